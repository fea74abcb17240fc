# The main job's probe: slimclr-mocov2_switchable-linear_slimmable-r18_tiny.py
# on the half-channel ResNet-18 of
# configs/slimclr/slimclr-mocov2_slimmable-r18-half_1xb32-tiny.py.
#   python tools/train.py THIS --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_N.pth
# The probe sees the whole 64 px image (pretraining crops 32 px views): the
# outlines that make the classes are a few pixels wide, and at 32 px the
# last stage is 1 x 1. 20 epochs instead of 10: the narrow widths' heads
# need the steps (30 gain a point or two at most).
_base_ = './slimclr-mocov2_switchable-linear_slimmable-r18_tiny.py'
model = dict(backbone=dict(
    stem_channels=32, base_channels=32,
    init_cfg=dict(
        checkpoint='work_dirs/main_job/pretrain/slimmable-r18-half.pth')))
crop_size = 64
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=crop_size,
         crop_ratio_range=(0.5, 1.0), backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=crop_size * 8 // 7, edge='short',
         backend='pillow'),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
max_epochs = 20
param_scheduler = dict(milestones=[int(max_epochs * 0.6),
                                   int(max_epochs * 0.8)])
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
