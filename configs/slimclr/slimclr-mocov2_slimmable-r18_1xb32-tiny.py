# SlimCLR-MoCov2 on a slimmable ResNet-18 [1.0, 0.75, 0.5, 0.25], the
# built-in tiny data at 32 px, one CPU process: about a minute.
#   python tools/dataset_converters/make_tiny_data.py imagenet \
#       --out data/tiny_imagenet
#   python tools/train.py \
#       configs/slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py
_base_ = [
    '../_base_/models/slimclr-mocov2_slimmable-r50.py',
    '../_base_/datasets/tiny_imagenet_mocov2.py',
    '../_base_/schedules/ssl_sgd-coslr-200e.py',
    '../_base_/default_runtime.py',
]
data_root = 'data/tiny_imagenet/'
train_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(
    # A short queue (2 batches) and a fast-moving target (m = 0.99): on 400
    # images and a few hundred steps the 65536-long queue and m = 0.999 of
    # the recipe would hold stale keys of a barely trained network.
    queue_len=64,
    momentum=0.01,
    backbone=dict(depth=18),
    neck=dict(hid_channels=512))
max_epochs = 8
warmup_epochs = 1
optim_wrapper = dict(optimizer=dict(lr=0.03))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=max_epochs))
