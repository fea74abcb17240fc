# The baseline of the main job's detection step: Mask R-CNN per width on
# tiny COCO with the schedule of mask-rcnn_slimmable-r18-half_fpn_tiny-coco.py
# but a randomly initialised backbone (no checkpoint).
#   python tools/train.py THIS --cfg-options model.backbone.width=0.25
_base_ = './mask-rcnn_slimmable-r18-half_fpn_tiny-coco.py'
model = dict(backbone=dict(init_cfg=None))
