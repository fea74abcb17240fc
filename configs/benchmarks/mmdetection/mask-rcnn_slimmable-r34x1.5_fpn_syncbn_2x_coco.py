# DSPNet Fig. 6: Mask R-CNN FPN 2x on COCO for the ResNet family DSPNet
# pretrains
# (configs/dspnet/dspnet_slimmable-r34x1.5_16xb256-lars-coslr-300e_in1k.py):
# a ResNet-34 x 1.5 whose widths 1, 80/96 and 64/96 give stage-1 channels
# 96, 80 and 64 (64: a plain ResNet-34 layout at ResNet-18 widths).
# Transfer e.g. --widths 1.0 0.8333333333333334 0.6666666666666666.
_base_ = './mask-rcnn_slimmable-r50_fpn_syncbn_2x_coco.py'

checkpoint = 'work_dirs/pretrain/dspnet_slimmable-r34x1.5.pth'
family_channels = [96, 80, 64]
model = dict(
    backbone=dict(
        depth=34,
        stem_channels=family_channels[0],
        base_channels=family_channels[0],
        widths=[c / family_channels[0] for c in family_channels],
        init_cfg=dict(checkpoint=checkpoint)))
