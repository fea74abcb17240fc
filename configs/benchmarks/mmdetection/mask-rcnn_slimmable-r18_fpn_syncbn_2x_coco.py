# DSPNet Table 1c: Mask R-CNN with the ResNet-18 backbone, 2x schedule,
# SyncBN in backbone and FPN.
_base_ = './mask-rcnn_slimmable-r50_fpn_syncbn_2x_coco.py'

checkpoint = 'work_dirs/pretrain/slimmable-r18.pth'
model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(checkpoint=checkpoint)))
