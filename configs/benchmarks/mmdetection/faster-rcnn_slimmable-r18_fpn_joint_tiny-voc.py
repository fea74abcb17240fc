# The joint protocol on the built-in tiny VOC 07+12: Faster R-CNN R-18-FPN
# trained at all four widths together, its SyncBN neck and box head switched
# per width (the smoke test of
# faster-rcnn_slimmable-r50_fpn_joint-4widths_voc0712.py).
_base_ = [
    './faster-rcnn_slimmable-r18_fpn_tiny-voc.py',
    './_base_/joint-protocol.py',
]
model = dict(type='slimmm.JointFasterRCNN', backbone=dict(width=None))
model_wrapper_cfg = {{_base_.joint_model_wrapper_cfg}}
val_cfg = {{_base_.joint_val_cfg}}
test_cfg = {{_base_.joint_test_cfg}}
custom_hooks = {{_base_.joint_custom_hooks}}
