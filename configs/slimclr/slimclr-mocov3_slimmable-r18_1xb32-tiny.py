# SlimCLR-MoCov3 on a slimmable ResNet-18 [1.0, 0.75, 0.5, 0.25], the
# built-in tiny data at 32 px, one CPU process.
_base_ = [
    '../_base_/models/slimclr-mocov3_slimmable-r50.py',
    '../_base_/datasets/tiny_imagenet_mocov2.py',
    '../_base_/schedules/ssl_lars-coslr-300e.py',
    '../_base_/default_runtime.py',
]
data_root = 'data/tiny_imagenet/'
train_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(
    backbone=dict(depth=18),
    neck=dict(hid_channels=512, out_channels=64),
    predictor=dict(in_channels=64, hid_channels=512, out_channels=64))
max_epochs = 8
warmup_epochs = 1
base_lr = 0.3
lr_after_slow_start = 0.8  # the paper's 1.2 -> 3.2 ratio
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', milestones=[max_epochs // 2],
         gamma=lr_after_slow_start / base_lr, by_epoch=True, begin=0,
         end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=max_epochs))
