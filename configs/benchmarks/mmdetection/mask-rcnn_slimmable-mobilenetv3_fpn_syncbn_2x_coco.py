# DSPNet (A.4): "We adopt the same training settings for both MobileNet v3
# and ResNet": Mask R-CNN FPN 2x, SyncBN in backbone and FPN. The FPN reads
# the four feature levels (strides 4, 8, 16, 32) of the slimmable
# MobileNetV3-Large (the last block of strides 4, 8 and 16, and the last
# 1x1 conv at stride 32); their channels at the chosen width are derived.
# DSPNet pretrains MobileNetV3 at widths [1.0, 0.875, 0.75, 0.625, 0.5].
_base_ = './mask-rcnn_slimmable-r50_fpn_syncbn_2x_coco.py'

checkpoint = 'work_dirs/pretrain/slimmable-mobilenetv3.pth'
widths = [1.0, 0.875, 0.75, 0.625, 0.5]
model = dict(
    backbone=dict(
        _delete_=True,
        type='slimmm.SlimmableMobileNetV3',
        arch='large',
        widths=widths,
        width=1.0,
        out_indices=(3, 6, 12, 16),
        frozen_stages=-1,
        norm_cfg={{_base_.norm_cfg}},
        norm_eval=False,
        init_cfg=dict(
            type='Pretrained', checkpoint=checkpoint, prefix='backbone.')))
