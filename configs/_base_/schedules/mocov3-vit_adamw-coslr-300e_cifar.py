# MoCov3's ViT schedule as US3L runs it on CIFAR-10 (its ViT_experiments):
# batch 512, AdamW lr 1.5e-4 x batch / 256, weight decay 0.1, 40 warm-up
# epochs then cosine, 300 epochs.
max_epochs = 300
warmup_epochs = 40
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1.5e-4 * 512 / 256, weight_decay=0.1,
                   betas=(0.9, 0.95)))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512)
