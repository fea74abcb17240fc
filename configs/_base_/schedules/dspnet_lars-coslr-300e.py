# DSPNet / BYOL pretraining schedule (section 5, implementation details):
# LARS, lr 0.2 x batch / 256, weight decay 1.5e-6, 10 warm-up epochs then
# cosine, 300 epochs. The warm-up epochs also train only the full network
# (the model's sampler takes warmup = warmup_epochs / max_epochs).
max_epochs = 300
warmup_epochs = 10
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='LARS', lr=0.2 * 4096 / 256, weight_decay=1.5e-6,
                   momentum=0.9),
    # BN members ('...norms.<width>') and biases: no weight decay and no
    # LARS adaptation, as BYOL.
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
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=4096)
