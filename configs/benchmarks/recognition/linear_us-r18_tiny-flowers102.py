# The Flowers-102 linear transfer on the built-in tiny Flowers-102 (the
# stock file layout, written on first use by slimmm.TinyFlowers102) and the
# network of configs/us3l/us3l_us-r18_1xb32-tiny.py (universal R-18 at half
# the channels), whose last checkpoint it reads by default; 32 px, 10
# epochs, CPU.
#   python tools/train.py configs/us3l/us3l_us-r18_1xb32-tiny.py
#   python tools/train.py THIS
#   python tools/benchmarks/recognition_transfer.py \
#       work_dirs/us3l_us-r18_1xb32-tiny/epoch_8.pth --tiny
_base_ = './linear_us-r50_8xb64-steplr-100e_flowers102.py'
model = dict(backbone=dict(
    depth=18, stem_channels=32, base_channels=32,
    init_cfg=dict(checkpoint='work_dirs/us3l_us-r18_1xb32-tiny/epoch_8.pth')))
crop_size = 32
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=crop_size,
         crop_ratio_range=(0.5, 1.0), backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=crop_size, edge='short', backend='pillow'),
    dict(type='PackInputs'),
]
tiny = dict(type='slimmm.TinyFlowers102', data_root='data/tiny_flowers102/')
batch_size = 16
train_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False,
    dataset=dict(tiny, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False,
    dataset=dict(tiny, pipeline=test_pipeline))
test_dataloader = val_dataloader
max_epochs = 10
optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = dict(milestones=[6, 8])
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
custom_hooks = [
    dict(type='slimmm.CalibrateBNHook', num_batches=2),
    dict(type='slimmm.ExactResumeHook'),
    dict(type='slimmm.WidthReportHook'),
]
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=max_epochs))
auto_scale_lr = dict(base_batch_size=batch_size)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
