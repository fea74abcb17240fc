# US3L pretraining schedule (section 4.1): SGD, momentum 0.9, batch 512,
# lr 0.5, weight decay 1e-4 as group regularization (Eq. 4-5, G = 8,
# alpha = 0.05), cosine decay, 100 epochs on ImageNet.
max_epochs = 100
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='slimmm.GroupRegularizationOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.5, weight_decay=1e-4, momentum=0.9),
    group_reg=dict(num_groups=8, alpha=0.05))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512)
