# SlimCLR-MoCov3 pretraining schedule: LARS (wd 1e-6), lr 1.2 for a total
# batch of 1024, 10 warm-up epochs, cosine; the lr is raised to 3.2 when
# the sub-networks join (slow start S = half of the epochs): a step of
# 3.2 / 1.2 multiplies the cosine curve from epoch S on.
max_epochs = 300
warmup_epochs = 10
base_lr = 1.2
lr_after_slow_start = 3.2
slow_start_epoch = max_epochs // 2
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='LARS', lr=base_lr, weight_decay=1e-6,
                   momentum=0.9),
    # BN members (module names '...norms.<width>') and biases: no weight
    # decay, no LARS adaptation, as MoCov3.
    paramwise_cfg=dict(custom_keys={
        'norms': dict(decay_mult=0, lars_exclude=True),
        'bias': dict(decay_mult=0, lars_exclude=True),
    }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', milestones=[slow_start_epoch],
         gamma=lr_after_slow_start / base_lr, by_epoch=True, begin=0,
         end=max_epochs),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=1024)
