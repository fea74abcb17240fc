# The main job's joint detection step with the FPN and heads slimmed too:
# mask-rcnn_slimmable-r18-half_fpn_joint_tiny-coco.py where every FPN-width
# tensor of the neck and heads follows the width (the tiny counterpart of
# mask-rcnn_slimmable-r50_fpn_joint-4widths-slim-heads_8xb8-1x_coco.py).
_base_ = './mask-rcnn_slimmable-r18-half_fpn_joint_tiny-coco.py'
model = dict(slim_neck_and_heads=True)
