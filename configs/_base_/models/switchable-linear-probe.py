# Switchable linear probe (SlimCLR Sec. 3.3): a frozen slimmable backbone,
# one linear classifier per width, all trained jointly in one run. The
# backbone comes from the pretraining checkpoint given on the command line:
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = '../backbones/slimmable-resnet.py'
model = dict(
    type='slimmm.SwitchableLinearClassifier',
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=None,
                      prefix='backbone.')),
    num_classes=1000,
    widths=None,  # None: the backbone's widths (list them for US nets)
    head='switchable',
    with_bn=False,
    distill=None,
    distill_tau=1.0,
    frozen_backbone=True,
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True))
