# US3L Fig. 4: Faster R-CNN R-18-FPN on Pascal VOC 07+12.
_base_ = './faster-rcnn_slimmable-r50_fpn_syncbn_voc0712.py'

checkpoint = 'work_dirs/pretrain/slimmable-r18.pth'
model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(checkpoint=checkpoint)))
