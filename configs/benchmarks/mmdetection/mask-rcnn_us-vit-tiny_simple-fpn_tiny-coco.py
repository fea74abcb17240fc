# The ViTDet-style Mask R-CNN per width (mask-rcnn_us-vit-small_simple-fpn_
# 16xb4-lsj-100e_coco.py) with the universal ViT-Tiny on the built-in tiny
# COCO (drawn shapes, 96 px, generated on first use) and the tiny CPU
# settings (neck and heads at 64 channels, 40 iterations): a smoke run in
# seconds per iteration. model.backbone.width is the one override per width;
# model.backbone.init_cfg=None trains from a random initialisation (the
# checkpoint below is that of a ViT-Tiny pretraining you ran).
_base_ = [
    './mask-rcnn_us-vit-small_simple-fpn_16xb4-lsj-100e_coco.py',
    './_base_/tiny-cpu.py', './_base_/tiny-coco-boxes.py'
]
image_size = ({{_base_.tiny_image_size}}, {{_base_.tiny_image_size}})
fpn_channels = {{_base_.tiny_fpn_channels}}
num_classes = {{_base_.tiny_coco_num_classes}}
model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)
    ]),
    backbone=dict(
        # img_size stays 224, the pretraining's: its position embedding
        # loads as it is and is interpolated to the 6x6 tokens of 96 px.
        arch='tiny',
        drop_path_rate=0.,
        init_cfg=dict(checkpoint='work_dirs/pretrain/us-vit-tiny.pth')),
    train_cfg={{_base_.tiny_model.train_cfg}},
    test_cfg={{_base_.tiny_model.test_cfg}},
    neck={{_base_.tiny_model.neck}},
    rpn_head={{_base_.tiny_model.rpn_head}},
    roi_head=dict(
        bbox_roi_extractor={{_base_.tiny_model.bbox_roi_extractor}},
        bbox_head=dict(
            type='Shared2FCBBoxHead', in_channels=fpn_channels,
            conv_out_channels=fpn_channels, fc_out_channels=256,
            num_classes=num_classes),
        mask_roi_extractor=dict(out_channels=fpn_channels),
        mask_head=dict(
            num_convs=2, in_channels=fpn_channels,
            conv_out_channels=fpn_channels, num_classes=num_classes)))

# The tiny COCO with masks: resized to 96 px (no large-scale jitter).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
# CocoDataset that generates the tiny data on first use.
tiny_coco = dict(type='slimmm.TinyCocoDataset',
                 data_root={{_base_.tiny_coco_root}},
                 metainfo=dict(classes={{_base_.tiny_coco_classes}}))
train_dataloader = dict(
    _delete_=True,
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(tiny_coco,
                 ann_file='annotations/instances_train2017.json',
                 data_prefix=dict(img='train2017/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=8),
                 pipeline=train_pipeline))
val_dataloader = dict(
    _delete_=True,
    batch_size=4, num_workers=0, persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(tiny_coco, test_mode=True,
                 ann_file='annotations/instances_val2017.json',
                 data_prefix=dict(img='val2017/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file={{_base_.tiny_coco_evaluator.ann_file}})
test_evaluator = val_evaluator
train_cfg = {{_base_.tiny_train_cfg}}
param_scheduler = {{_base_.tiny_param_scheduler}}
optim_wrapper = dict(optimizer=dict(lr=1e-3),
                     clip_grad=dict(max_norm=10.0, norm_type=2))
default_hooks = {{_base_.tiny_default_hooks}}
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
