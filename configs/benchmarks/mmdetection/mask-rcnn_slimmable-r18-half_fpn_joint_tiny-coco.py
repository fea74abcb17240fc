# The main job's detection step with --protocol joint:
# mask-rcnn_slimmable-r18_fpn_joint_tiny-coco.py (one Mask R-CNN trained
# at all four widths) on the half-channel ResNet-18 of
# configs/slimclr/slimclr-mocov2_slimmable-r18-half_1xb32-tiny.py.
_base_ = './mask-rcnn_slimmable-r18_fpn_joint_tiny-coco.py'
checkpoint = 'work_dirs/main_job/pretrain/slimmable-r18-half.pth'
model = dict(backbone=dict(stem_channels=32, base_channels=32,
                           init_cfg=dict(checkpoint=checkpoint)))
