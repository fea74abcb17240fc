# Semantic FPN R-50 per width, MMSegmentation's 80k Cityscapes recipe
# (512x1024 crops, 4 GPUs x 2 images), from mmseg's own config: the
# slimmable ResNet-50 cut to ONE width with SyncBN, every layer fine-tuned.
# slimmm.EncoderDecoder fills the FPN neck's in_channels=None from the
# backbone at its width; the FPNHead reads the neck's fixed 256 channels.
# The backbone keeps the slimmable ResNet's own 7x7 stem instead of mmseg's
# ResNetV1c deep stem (see upernet_slimmable-r50_4xb4-160k_ade20k-512x512.py).
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --widths 1.0 0.75 0.5 0.25 --launcher pytorch --gpus 4
_base_ = [
    'mmseg::sem_fpn/fpn_r50_4xb2-80k_cityscapes-512x1024.py',
    '../_base_/slimmable-r50_syncbn-backbone.py',
]
model = dict(
    type='slimmm.EncoderDecoder',
    pretrained=None,
    backbone={{_base_.slimmable_backbone}},
    neck=dict(in_channels=None))
# slimmm's exact --resume (seeded per iteration, RNG states in the
# checkpoint) and checkpoints that no kill loses.
custom_hooks = [dict(type='slimmm.ExactResumeHook')]
