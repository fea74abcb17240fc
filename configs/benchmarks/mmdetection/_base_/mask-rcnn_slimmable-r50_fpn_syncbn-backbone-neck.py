# Mask R-CNN R-50-FPN with the slimmable ResNet cut to ONE width, SyncBN in
# the backbone and FPN, every layer (BN included) fine-tuned, as the slimmable
# SSL papers transfer (DSPNet A.4: "SyncBN is adopted in both backbone and
# FPN. We fine-tune all layers (including BN) end-to-end").
# slimmm.MaskRCNN is mmdet's MaskRCNN that fills the FPN's in_channels=None
# from the backbone at its width (same modules and checkpoint keys).
_base_ = [
    'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py',
    './slimmable-r50_syncbn-backbone.py',
]
model = dict(
    type='slimmm.MaskRCNN',
    backbone={{_base_.slimmable_backbone}},
    neck=dict(in_channels=None, norm_cfg={{_base_.norm_cfg}}))

# slimmm's exact --resume (seeds per iteration and per sample, position in
# the epoch) and checkpoints that no kill loses (written atomically, old ones
# removed after).
custom_hooks = [dict(type='slimmm.ExactResumeHook')]
