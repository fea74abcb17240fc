# DSPNet on the ResNet family at a quarter of the channels (stage-1
# channels {16, 20, 24}, blocks {[2,2,2,2], [2,3,4,3], [3,4,6,3]}), the
# built-in tiny data at 32 px, one CPU process: about a minute.
#   python tools/dataset_converters/make_tiny_data.py imagenet \
#       --out data/tiny_imagenet
#   python tools/train.py configs/dspnet/dspnet_slimmable-r18_1xb32-tiny.py
_base_ = [
    '../_base_/models/dspnet_slimmable-r34x1.5.py',
    '../_base_/datasets/tiny_imagenet_mocov2.py',
    '../_base_/schedules/dspnet_lars-coslr-300e.py',
    '../_base_/default_runtime.py',
]
data_root = 'data/tiny_imagenet/'
train_dataloader = dict(dataset=dict(data_root=data_root))
family_channels = [24, 20, 16]
max_epochs = 8
warmup_epochs = 1
model = dict(
    sampler=dict(warmup=warmup_epochs / max_epochs),
    backbone=dict(stem_channels=family_channels[0],
                  base_channels=family_channels[0],
                  widths=[c / family_channels[0] for c in family_channels]),
    neck=dict(hid_channels=256, out_channels=64),
    predictor=dict(in_channels=64, hid_channels=256, out_channels=64))
optim_wrapper = dict(optimizer=dict(lr=0.2 * 32 / 256))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=max_epochs))
