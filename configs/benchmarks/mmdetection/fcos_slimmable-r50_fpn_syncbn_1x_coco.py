# FCOS R-50-FPN (GN head) per width, MMDetection 1x on COCO 2017, from
# mmdet's own base with the slimmable ResNet cut to ONE width (SyncBN, all
# layers fine-tuned) in place of its caffe-style ResNet: the pretrained
# network's pytorch-style stem and ImageNet RGB normalisation.
# slimmm.FCOS fills the FPN's in_channels=None from the backbone's width.
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --widths 1.0 0.75 0.5 0.25 --launcher pytorch --gpus 8
_base_ = [
    'mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py',
    './_base_/slimmable-r50_syncbn-backbone.py',
]
model = dict(
    type='slimmm.FCOS',
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone={{_base_.slimmable_backbone}},
    neck=dict(in_channels=None))
# slimmm's exact --resume and checkpoints that no kill loses.
custom_hooks = [dict(type='slimmm.ExactResumeHook')]
