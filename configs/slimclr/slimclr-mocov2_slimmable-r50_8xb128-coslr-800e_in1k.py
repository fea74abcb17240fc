# SlimCLR-MoCov2, 800 epochs (slow start S = 400 follows from the sampler's
# fraction of training).
_base_ = ['./slimclr-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py']
max_epochs = 800
warmup_epochs = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
