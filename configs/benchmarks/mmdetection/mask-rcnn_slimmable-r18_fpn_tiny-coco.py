# Mask R-CNN R-18-FPN per width on the built-in tiny COCO (drawn shapes,
# 96 px; `python tools/dataset_converters/make_tiny_data.py coco`): the
# detection step of the main job, on CPU in about a minute per width. It
# differs from the real recipe (mask-rcnn_slimmable-r18_fpn_syncbn_1x_coco.py)
# in data, sizes, schedule and lighter heads (2-fc box head, 2-conv mask
# head, fewer proposals and RoIs for images of at most 2 objects), so that
# the fine-tuning converges in minutes: the table then measures the
# backbone, not an unfinished schedule.
_base_ = [
    './mask-rcnn_slimmable-r18_fpn_syncbn_1x_coco.py', './_base_/tiny-cpu.py'
]

data_root = 'data/tiny_coco/'
classes = ('circle', 'square', 'triangle', 'star')
image_size = {{_base_.tiny_image_size}}
batch_size = 4
checkpoint = 'work_dirs/main_job/pretrain/slimmable-r18.pth'
fpn_channels = {{_base_.tiny_fpn_channels}}

model = dict(
    backbone=dict(init_cfg=dict(checkpoint=checkpoint)),
    # At most 2 objects per image: 100 proposals and 32 RoIs per image are
    # plenty, and the RoI heads dominate the cost of a 96 px image.
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rpn_proposal=dict(nms_pre=200, max_per_img=100),
        rcnn=dict(sampler=dict(num=32))),
    test_cfg=dict(
        rpn=dict(nms_pre=200, max_per_img=50),
        rcnn=dict(score_thr=0.0, max_per_img=20)),
    neck={{_base_.tiny_model.neck}},
    rpn_head={{_base_.tiny_model.rpn_head}},
    roi_head=dict(
        bbox_roi_extractor={{_base_.tiny_model.bbox_roi_extractor}},
        bbox_head=dict(
            type='Shared2FCBBoxHead', in_channels=fpn_channels,
            conv_out_channels=fpn_channels, fc_out_channels=256,
            num_classes=len(classes)),
        mask_roi_extractor=dict(out_channels=fpn_channels),
        mask_head=dict(
            num_convs=2, in_channels=fpn_channels,
            conv_out_channels=fpn_channels, num_classes=len(classes))))

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

max_iters = 300
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters=max_iters, val_interval=max_iters)
# Warm-up, then lr / 10 for the last fifth: the boxes settle at the end.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=20),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[int(max_iters * 0.8)], gamma=0.1)
]
optim_wrapper = {{_base_.tiny_optim_wrapper}}
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
# gloo runs the distributed smoke test on CPU; clusters keep NCCL through
# the real-data configs.
env_cfg = dict(dist_cfg=dict(backend='gloo'))
