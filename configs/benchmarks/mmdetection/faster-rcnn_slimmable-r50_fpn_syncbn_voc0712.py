# US3L Fig. 3: Faster R-CNN R-50-FPN on Pascal VOC 07+12 trainval, tested on
# VOC2007 test (mAP / AP50, VOCMetric). mmdet's pascal_voc recipe
# (RepeatDataset x3, 4 epochs, lr 0.01) with the slimmable backbone cut to
# one width, SyncBN in backbone, FPN and a 4-conv-1-fc box head as the
# OpenMMLab SSL benchmarks, all layers fine-tuned.
_base_ = [
    'mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py',
    './_base_/slimmable-r50_syncbn-backbone.py',
]
model = dict(
    type='slimmm.FasterRCNN',  # FPN in_channels=None: from the backbone
    backbone={{_base_.slimmable_backbone}},
    neck=dict(in_channels=None, norm_cfg={{_base_.norm_cfg}}),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead',
                       norm_cfg={{_base_.norm_cfg}})))

# slimmm's exact --resume (seeds per iteration and per sample, position in
# the epoch) and checkpoints that no kill loses (written atomically, old ones
# removed after).
custom_hooks = [dict(type='slimmm.ExactResumeHook')]
