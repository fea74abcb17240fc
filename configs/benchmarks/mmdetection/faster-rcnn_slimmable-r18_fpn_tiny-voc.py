# Faster R-CNN R-18-FPN per width on the built-in tiny VOC 07+12 (drawn
# shapes stored under VOC class names, 96 px;
# `python tools/dataset_converters/make_tiny_data.py voc`): the smoke test of
# faster-rcnn_slimmable-r18_fpn_syncbn_voc0712.py on CPU.
_base_ = [
    './faster-rcnn_slimmable-r18_fpn_syncbn_voc0712.py', './_base_/tiny-cpu.py'
]

data_root = 'data/tiny_voc/VOCdevkit/'
# slimmm.datasets.synthetic.voc.VOC_NAME_OF_SHAPE of circle, square,
# triangle, star.
classes = ('aeroplane', 'bicycle', 'bird', 'cow')
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
            dict(type='slimmm.TinyVOCDataset', data_root=data_root,
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
        # VOCDataset that generates the tiny data on first use.
        type='slimmm.TinyVOCDataset',
        data_root=data_root,
        metainfo=dict(classes=classes),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = {{_base_.tiny_train_cfg}}
param_scheduler = {{_base_.tiny_param_scheduler}}
optim_wrapper = {{_base_.tiny_optim_wrapper}}
default_hooks = {{_base_.tiny_default_hooks}}
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
