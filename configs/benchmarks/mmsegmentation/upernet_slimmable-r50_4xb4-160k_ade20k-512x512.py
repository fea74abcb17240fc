# UperNet R-50 per width, MMSegmentation's 160k ADE20K recipe (512x512
# crops, 4 GPUs x 4 images, SGD lr 0.01 with poly decay), from mmseg's own
# config: the slimmable ResNet-50 cut to ONE width with SyncBN, every layer
# fine-tuned. slimmm.EncoderDecoder is mmseg's EncoderDecoder that fills
# in_channels=None of the UPerHead (stages 0-3) and of the FCN auxiliary
# head (stage 2) from the backbone at its width.
# The backbone is the slimmable ResNet as pretrained, with its own 7x7
# stem, not mmseg's ResNetV1c (three 3x3 convolutions in the stem): the
# pretrained network is what is transferred, so no ImageNet ResNetV1c
# weights (`pretrained`) are loaded.
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --widths 1.0 0.75 0.5 0.25 --launcher pytorch --gpus 4
_base_ = [
    'mmseg::upernet/upernet_r50_4xb4-160k_ade20k-512x512.py',
    '../_base_/slimmable-r50_syncbn-backbone.py',
]
model = dict(
    type='slimmm.EncoderDecoder',
    pretrained=None,
    backbone={{_base_.slimmable_backbone}},
    decode_head=dict(in_channels=None),
    auxiliary_head=dict(in_channels=None))
# slimmm's exact --resume (seeded per iteration, RNG states in the
# checkpoint) and checkpoints that no kill loses.
custom_hooks = [dict(type='slimmm.ExactResumeHook')]
