# The joint protocol for a one-stage detector on the built-in tiny COCO:
# RetinaNet R-18-FPN trained at all four widths together and evaluated at each
# (the smoke test of
# retinanet_slimmable-r50_fpn_joint-4widths_8xb8-1x_coco.py).
_base_ = [
    './retinanet_slimmable-r18_fpn_tiny-coco.py',
    './_base_/joint-protocol.py',
]
model = dict(type='slimmm.JointRetinaNet', backbone=dict(width=None))
model_wrapper_cfg = {{_base_.joint_model_wrapper_cfg}}
val_cfg = {{_base_.joint_val_cfg}}
test_cfg = {{_base_.joint_test_cfg}}
custom_hooks = {{_base_.joint_custom_hooks}}
