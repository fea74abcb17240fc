# Mask R-CNN R-18-FPN per width on the built-in tiny COCO (drawn shapes,
# 96 px; `python tools/dataset_converters/make_tiny_data.py coco`): the
# detection step of the main job, and the smoke test of the real recipe
# (mask-rcnn_slimmable-r18_fpn_syncbn_1x_coco.py) on CPU in about a minute
# per width. Only data, sizes and schedule differ from the real recipe.
_base_ = ['./mask-rcnn_slimmable-r18_fpn_syncbn_1x_coco.py', './_base_/tiny-cpu.py']

data_root = 'data/tiny_coco/'
classes = ('circle', 'square', 'triangle', 'star')
image_size = {{_base_.tiny_image_size}}
batch_size = 4
checkpoint = 'work_dirs/main_job/pretrain/slimmable-r18.pth'
fpn_channels = {{_base_.tiny_fpn_channels}}

model = dict(
    backbone=dict(init_cfg=dict(checkpoint=checkpoint)),
    train_cfg={{_base_.tiny_model.train_cfg}},
    test_cfg={{_base_.tiny_model.test_cfg}},
    neck={{_base_.tiny_model.neck}},
    rpn_head={{_base_.tiny_model.rpn_head}},
    roi_head=dict(
        bbox_roi_extractor={{_base_.tiny_model.bbox_roi_extractor}},
        bbox_head=dict(
            in_channels=fpn_channels, conv_out_channels=fpn_channels,
            fc_out_channels=256, num_classes=len(classes)),
        mask_roi_extractor=dict(out_channels=fpn_channels),
        mask_head=dict(
            in_channels=fpn_channels, conv_out_channels=fpn_channels,
            num_classes=len(classes))))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        # CocoDataset that generates the tiny data on first use.
        type='slimmm.TinyCocoDataset',
        data_root=data_root,
        metainfo=dict(classes=classes),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        # CocoDataset that generates the tiny data on first use.
        type='slimmm.TinyCocoDataset',
        data_root=data_root,
        metainfo=dict(classes=classes),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

train_cfg = {{_base_.tiny_train_cfg}}
param_scheduler = {{_base_.tiny_param_scheduler}}
optim_wrapper = {{_base_.tiny_optim_wrapper}}
default_hooks = {{_base_.tiny_default_hooks}}
log_processor = dict(by_epoch=False)
# gloo runs the distributed smoke test on CPU; clusters keep NCCL through
# the real-data configs.
env_cfg = dict(dist_cfg=dict(backend='gloo'))
