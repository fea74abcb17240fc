# The built-in tiny COCO (four drawn shapes, 96 px, generated on first use
# by slimmm.TinyCocoDataset) with box annotations only, for the tiny
# one-stage detector configs. Used next to a recipe base (unique names);
# configs pick the values with {{_base_.tiny_coco_...}}.
tiny_coco_root = 'data/tiny_coco/'
tiny_coco_classes = ('circle', 'square', 'triangle', 'star')
tiny_coco_num_classes = len(tiny_coco_classes)
tiny_coco_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(96, 96), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
tiny_coco_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(96, 96), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
tiny_coco_dataset = dict(type='slimmm.TinyCocoDataset',
                         data_root=tiny_coco_root,
                         metainfo=dict(classes=tiny_coco_classes))
tiny_coco_train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(tiny_coco_dataset,
                 filter_cfg=dict(filter_empty_gt=True, min_size=8),
                 pipeline=tiny_coco_train_pipeline))
tiny_coco_val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(tiny_coco_dataset, pipeline=tiny_coco_test_pipeline))
tiny_coco_evaluator = dict(
    ann_file=tiny_coco_root + 'annotations/instances_val2017.json',
    metric='bbox')
