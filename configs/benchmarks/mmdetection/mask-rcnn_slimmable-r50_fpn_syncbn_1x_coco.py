# SlimCLR Table 2 / US3L Table 5: Mask R-CNN R-50-FPN, MMDetection 1x
# schedule on COCO 2017, SyncBN, all layers fine-tuned. Heads as the
# OpenMMLab SSL detection benchmark (mmpretrain's BYOL mask-rcnn config):
# SyncBN also in a 4-conv-1-fc box head and the mask head.
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --widths 1.0 0.75 0.5 0.25 --launcher pytorch --gpus 8
_base_ = './_base_/mask-rcnn_slimmable-r50_fpn_syncbn-backbone-neck.py'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead', norm_cfg={{_base_.norm_cfg}}),
        mask_head=dict(norm_cfg={{_base_.norm_cfg}})))
