# Universally slimmable ResNet-50 (US-Nets / US3L): any width in
# [0.25, 1.0], one sliced BN recalibrated per width (slimmm calibrate_bn).
_base_ = '../_base_/backbones/slimmable-resnet.py'
# channel_rule='layer': US-Nets' per-layer rounding (make_divisible(C * w, 8)).
model = dict(backbone=dict(widths=None, width_range=(0.25, 1.0),
                           channel_rule='layer'))
