# US3L on a universally slimmable ResNet-18 [0.25, 1.0] at half the
# channels (stem / stage-1 32), the built-in tiny data at 32 px, one CPU
# process: about a minute.
#   python tools/dataset_converters/make_tiny_data.py imagenet \
#       --out data/tiny_imagenet
#   python tools/train.py configs/us3l/us3l_us-r18_1xb32-tiny.py
_base_ = [
    '../_base_/models/us3l_us-r50.py',
    '../_base_/datasets/tiny_imagenet_mocov2.py',
    '../_base_/schedules/us3l_sgd-coslr-100e.py',
    '../_base_/default_runtime.py',
]
data_root = 'data/tiny_imagenet/'
train_dataloader = dict(dataset=dict(data_root=data_root))
feat_dim = 128
model = dict(
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    neck=dict(hid_channels=256, out_channels=feat_dim),
    distill_head=dict(in_channels=feat_dim, hid_channels=128,
                      out_channels=feat_dim))
max_epochs = 8
optim_wrapper = dict(optimizer=dict(lr=0.1))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=max_epochs))
