# The main job's detection data: tiny COCO with eight shapes and up to four
# objects per image (the default tiny COCO has four shapes and two). On the
# default data every pretrained width of the half-channel R-18 reaches about
# the same AP (52 at 1.0, 49 at 0.25); here the narrow widths fall behind,
# which is what a per-width table is for. Generated on first use by
# slimmm.TinyCocoDataset, or by tools/benchmarks/main_job.py (make_data).
# Unique names: a config lists this next to its detection base and applies
# them to its datasets, metrics and heads.
shapes8_data_root = 'data/tiny_coco_8shapes/'
shapes8_classes = ('circle', 'square', 'triangle', 'star', 'hexagon',
                   'diamond', 'cross', 'tee')
shapes8_dataset = dict(
    data_root=shapes8_data_root,
    metainfo=dict(classes=shapes8_classes),
    generator_args=dict(shapes=shapes8_classes, max_objects=4))
shapes8_evaluator = dict(
    ann_file=shapes8_data_root + 'annotations/instances_val2017.json')
shapes8_heads = dict(bbox_head=dict(num_classes=len(shapes8_classes)),
                     mask_head=dict(num_classes=len(shapes8_classes)))
