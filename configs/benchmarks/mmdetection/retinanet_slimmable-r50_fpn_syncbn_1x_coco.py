# RetinaNet R-50-FPN per width, MMDetection 1x on COCO 2017, from mmdet's
# own base: the slimmable ResNet cut to ONE width with SyncBN, every layer
# fine-tuned; slimmm.RetinaNet is mmdet's RetinaNet that fills the FPN's
# in_channels=None from the backbone at its width (the RetinaNet FPN reads
# stages 2-4 and adds its extra levels on the input).
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --widths 1.0 0.75 0.5 0.25 --launcher pytorch --gpus 8
_base_ = [
    'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py',
    './_base_/slimmable-r50_syncbn-backbone.py',
]
model = dict(
    type='slimmm.RetinaNet',
    backbone={{_base_.slimmable_backbone}},
    neck=dict(in_channels=None))
# slimmm's exact --resume and checkpoints that no kill loses.
custom_hooks = [dict(type='slimmm.ExactResumeHook')]
