# SlimCLR-MoCov2 pretraining schedule: SGD (momentum 0.9, wd 1e-4), lr 0.2
# for a total batch of 1024, 10 linear warm-up epochs then cosine decay.
max_epochs = 200
warmup_epochs = 10
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.2, weight_decay=1e-4, momentum=0.9))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    # end (and so T_max) is left to the Runner: max_epochs of train_cfg, so
    # a longer run changes train_cfg only.
    dict(type='CosineAnnealingLR', by_epoch=True, begin=warmup_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=1024)
