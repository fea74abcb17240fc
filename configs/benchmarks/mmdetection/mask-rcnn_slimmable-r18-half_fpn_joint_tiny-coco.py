# The main job's detection step with --protocol joint:
# mask-rcnn_slimmable-r18_fpn_joint_tiny-coco.py (one Mask R-CNN trained
# at all four widths) on the half-channel ResNet-18 of
# configs/slimclr/slimclr-mocov2_slimmable-r18-half_1xb32-tiny.py, on the
# harder tiny COCO of _base_/tiny-coco-8shapes.py (as the per-width step).
_base_ = ['./mask-rcnn_slimmable-r18_fpn_joint_tiny-coco.py',
          './_base_/tiny-coco-8shapes.py']
checkpoint = 'work_dirs/main_job/pretrain/slimmable-r18-half.pth'
model = dict(backbone=dict(stem_channels=32, base_channels=32,
                           init_cfg=dict(checkpoint=checkpoint)),
             roi_head={{_base_.shapes8_heads}})
data_root = {{_base_.shapes8_data_root}}
train_dataloader = dict(dataset={{_base_.shapes8_dataset}})
val_dataloader = dict(dataset={{_base_.shapes8_dataset}})
test_dataloader = val_dataloader
val_evaluator = {{_base_.shapes8_evaluator}}
test_evaluator = val_evaluator
