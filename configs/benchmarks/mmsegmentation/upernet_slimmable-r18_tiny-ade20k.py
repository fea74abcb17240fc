# UperNet R-18 per width on the built-in tiny ADE20K (four drawn shapes,
# 64 px, 32 train / 16 val images, generated on first use by
# slimmm.TinyADE20KDataset): the real recipe
# (upernet_slimmable-r50_4xb4-160k_ade20k-512x512.py) at depth 18 with CPU
# settings: heads 8x narrower (UPerHead 512 -> 64 channels, FCN head
# 256 -> 32), 64 px crops, 40 iterations. model.backbone.width is the one
# override per width, and model.backbone.init_cfg=None trains from a random
# initialisation.
_base_ = './upernet_slimmable-r50_4xb4-160k_ade20k-512x512.py'
data_root = 'data/tiny_ade20k'
dataset_type = 'slimmm.TinyADE20KDataset'
num_classes = 4  # the tiny ADE20K's shapes (TinyADE20KDataset.METAINFO)
crop_size = (64, 64)
max_iters = 40
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        depth=18,
        init_cfg=dict(
            checkpoint='work_dirs/main_job/pretrain/slimmable-r18.pth')),
    decode_head=dict(channels=64, num_classes=num_classes),
    auxiliary_head=dict(channels=32, num_classes=num_classes))
# ADE20K's scheme at 1/8 the size: (2048, 512) -> (128, 64).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=(128, 64), ratio_range=(0.75, 1.5),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 64), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=10),
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=10, end=max_iters,
         by_epoch=False)
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
