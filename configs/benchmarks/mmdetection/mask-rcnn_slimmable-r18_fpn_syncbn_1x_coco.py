# Mask R-CNN R-18-FPN 1x on COCO (the R-18 twin of the SlimCLR / US3L
# recipe); FPN in_channels follow the depth and width.
_base_ = './mask-rcnn_slimmable-r50_fpn_syncbn_1x_coco.py'

checkpoint = 'work_dirs/pretrain/slimmable-r18.pth'
model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(checkpoint=checkpoint)))
