# What the tiny linear-probe variants share: ResNet-18, the built-in tiny
# data, 10 epochs, val / checkpoint at the end, SGD (each variant sets its
# recipe's optimizer and schedule shape).
_base_ = [
    './models/switchable-linear-probe.py',
    './datasets/tiny-imagenet_linear-probe.py',
    './probe_runtime.py',
]
model = dict(backbone=dict(depth=18), num_classes={{_base_.num_classes}})
max_epochs = 10
train_cfg = dict(by_epoch=True, max_epochs=max_epochs,
                 val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=max_epochs))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=0.0))
# T_max / end are left to the Runner (max_epochs), so a variant that
# changes the length changes only train_cfg.
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, eta_min=0.0)
