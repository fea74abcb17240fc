# The slimmable ResNet-50 cut to ONE width with SyncBN
# (../../_base_/slimmable-r50_syncbn-backbone.py), shared by the Mask R-CNN
# (COCO) and Faster R-CNN (VOC) transfer recipes, with its SyncBN as
# `norm_cfg` for their necks and heads. Used next to an mmdet detector base;
# the detector config writes
#   model = dict(backbone={{_base_.slimmable_backbone}}, ...)
# The width is `model.backbone.width` (--cfg-options model.backbone.width=0.5);
# the detector (slimmm.MaskRCNN / slimmm.FasterRCNN) derives the FPN's
# in_channels from it at build time.
_base_ = '../../_base_/slimmable-r50_syncbn-backbone.py'
norm_cfg = {{_base_.slimmable_norm_cfg}}
