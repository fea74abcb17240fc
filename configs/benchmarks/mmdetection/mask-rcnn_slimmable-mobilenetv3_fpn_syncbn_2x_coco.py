# DSPNet (A.4): "We adopt the same training settings for both MobileNet v3
# and ResNet": Mask R-CNN FPN 2x, SyncBN in backbone and FPN. The FPN reads
# the four feature levels (strides 4, 8, 16, 32) of the slimmable
# MobileNetV3-Large; their channels at the chosen width are derived.
_base_ = './mask-rcnn_slimmable-r50_fpn_syncbn_2x_coco.py'

checkpoint = 'work_dirs/pretrain/slimmable-mobilenetv3.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='slimmm.SlimmableMobileNetV3',
        arch='large',
        widths={{_base_.widths}},
        width=1.0,
        out_indices=(3, 6, 12, 16),
        norm_cfg={{_base_.norm_cfg}},
        norm_eval=False,
        init_cfg=dict(
            type='Pretrained', checkpoint=checkpoint, prefix='backbone.')))
