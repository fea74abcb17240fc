# Faster R-CNN R-18-FPN per width on the built-in tiny VOC 07+12 (drawn
# shapes stored under VOC class names, 96 px;
# `python tools/dataset_converters/make_tiny_data.py voc`): the smoke test of
# faster-rcnn_slimmable-r18_fpn_syncbn_voc0712.py on CPU.
_base_ = './faster-rcnn_slimmable-r18_fpn_syncbn_voc0712.py'

data_root = 'data/tiny_voc/VOCdevkit/'
# slimmm.datasets.synthetic.voc.VOC_NAME_OF_SHAPE of circle, square,
# triangle, star.
classes = ('aeroplane', 'bicycle', 'bird', 'cow')
image_size = 96
max_iters = 40
batch_size = 4
checkpoint = 'work_dirs/main_job/pretrain/slimmable-r18.pth'
# FPN and heads 4x narrower than the real recipe (256 -> 64 channels):
# the same architecture, at a cost a CPU runs in seconds per iteration.
fpn_channels = 64

model = dict(
    backbone=dict(init_cfg=dict(checkpoint=checkpoint)),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rpn_proposal=dict(nms_pre=300, max_per_img=300),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(
        rpn=dict(nms_pre=300, max_per_img=100),
        rcnn=dict(score_thr=0.0, max_per_img=20)),
    neck=dict(out_channels=fpn_channels),
    rpn_head=dict(in_channels=fpn_channels, feat_channels=fpn_channels),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=fpn_channels),
        bbox_head=dict(
            in_channels=fpn_channels, conv_out_channels=fpn_channels,
            fc_out_channels=256, num_classes=len(classes))))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
voc_filter = dict(filter_empty_gt=True, min_size=8, bbox_min_size=4)
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        ignore_keys=['dataset_type'],
        datasets=[
            dict(type='VOCDataset', data_root=data_root,
                 ann_file=f'{year}/ImageSets/Main/trainval.txt',
                 data_prefix=dict(sub_data_root=f'{year}/'),
                 metainfo=dict(classes=classes), filter_cfg=voc_filter,
                 pipeline=train_pipeline)
            for year in ('VOC2007', 'VOC2012')
        ]))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=dict(classes=classes),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
    val_interval=max_iters)
# Linear warm-up over the first 10 iterations, then the base lr.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=10)
]
optim_wrapper = dict(
    optimizer=dict(lr=0.02), clip_grad=dict(max_norm=10.0, norm_type=2))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
