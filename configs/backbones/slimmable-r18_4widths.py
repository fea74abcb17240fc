# ResNet-18 at widths 1.0 / 0.75 / 0.5 / 0.25 (switchable BN).
_base_ = '../_base_/backbones/slimmable-resnet.py'
model = dict(backbone=dict(depth=18))
