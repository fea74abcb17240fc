# US3L Fig. 3: Faster R-CNN R-50-FPN on Pascal VOC 07+12 trainval, tested on
# VOC2007 test (mAP / AP50, VOCMetric). mmdet's pascal_voc recipe
# (RepeatDataset x3, 4 epochs, lr 0.01) with the slimmable backbone cut to
# one width, SyncBN in backbone, FPN and a 4-conv-1-fc box head as the
# OpenMMLab SSL benchmarks, all layers fine-tuned.
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py'

default_scope = 'mmdet'
custom_imports = dict(imports=['slimmm'], allow_failed_imports=False)

checkpoint = 'work_dirs/pretrain/slimmable-r50.pth'
widths = [1.0, 0.75, 0.5, 0.25]
norm_cfg = dict(type='SyncBN', requires_grad=True)

model = dict(
    backbone=dict(
        _delete_=True,
        type='slimmm.SlimmableResNet',
        depth=50,
        widths=widths,
        width=1.0,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        init_cfg=dict(
            type='Pretrained', checkpoint=checkpoint, prefix='backbone.')),
    neck=dict(in_channels='from_backbone', norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', norm_cfg=norm_cfg)))
