# US3L Fig. 3: Faster R-CNN R-50-FPN on VOC 07+12 from the universally
# slimmable US3L checkpoint (any width in [0.25, 1.0]).
_base_ = './faster-rcnn_slimmable-r50_fpn_syncbn_voc0712.py'

checkpoint = 'work_dirs/pretrain/us3l_us-r50.pth'
model = dict(
    backbone=dict(
        widths=None,
        width_range=(0.25, 1.0),
        channel_rule='layer',  # US3L's per-layer rounding
        init_cfg=dict(checkpoint=checkpoint)))
