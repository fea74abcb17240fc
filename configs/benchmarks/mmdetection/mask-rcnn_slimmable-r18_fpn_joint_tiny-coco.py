# The joint protocol (SlimCLR Table 2) on the built-in tiny COCO: a Mask
# R-CNN R-18-FPN trained at all four widths together and evaluated at each,
# on CPU in about a minute (the smoke test of
# mask-rcnn_slimmable-r50_fpn_joint-4widths_8xb8-1x_coco.py). As that
# recipe, the neck and heads have no norm layers.
_base_ = [
    './mask-rcnn_slimmable-r18_fpn_tiny-coco.py',
    './_base_/joint-protocol.py',
]
model = dict(
    type='slimmm.JointMaskRCNN',
    backbone=dict(width=None),
    neck=dict(norm_cfg=None),
    roi_head=dict(
        bbox_head=dict(type='Shared2FCBBoxHead', norm_cfg=None),
        mask_head=dict(norm_cfg=None)))
model_wrapper_cfg = {{_base_.joint_model_wrapper_cfg}}
val_cfg = {{_base_.joint_val_cfg}}
test_cfg = {{_base_.joint_test_cfg}}
custom_hooks = {{_base_.joint_custom_hooks}}
