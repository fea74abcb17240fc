# US3L Table 5: Mask R-CNN R-50-FPN 1x on COCO 2017 from a UNIVERSALLY
# slimmable checkpoint (configs/us3l/us3l_us-r50_8xb64-coslr-100e_in1k.py:
# any width in [0.25, 1.0], sliced BN). Same recipe as SlimCLR's; only the
# backbone's width space differs. Any width of the range may be transferred:
#   --widths 1.0 0.75 0.5 0.25   (or 0.6, 0.35, ...)
_base_ = './mask-rcnn_slimmable-r50_fpn_syncbn_1x_coco.py'

checkpoint = 'work_dirs/pretrain/us3l_us-r50.pth'
model = dict(
    backbone=dict(
        widths=None,
        width_range=(0.25, 1.0),
        channel_rule='layer',  # US3L's per-layer rounding
        init_cfg=dict(checkpoint=checkpoint)))
