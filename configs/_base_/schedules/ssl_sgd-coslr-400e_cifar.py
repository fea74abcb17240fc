# The baselines' CIFAR-100 pretraining schedule (US3L Table 11): SGD with
# momentum 0.9, batch 512, cosine decay over 400 epochs. lr and weight
# decay per method (SimCLR 0.5 / 1e-4, SimSiam and BYOL 0.1 / 5e-4).
max_epochs = 400
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.5, weight_decay=1e-4, momentum=0.9))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512)
