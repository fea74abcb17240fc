# Tiny semi-supervised fine-tuning: backbone lr = classifier lr x 0.05 (the
# DSPNet ratio 0.001 / 0.02), 10% of the tiny data's labels.
_base_ = './dspnet_linear-bn_slimmable-r18_tiny-10pct.py'
backbone_lr_ratio = 0.001 / 0.02
model = dict(frozen_backbone=False, with_bn=False)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={
    'backbone': dict(lr_mult=backbone_lr_ratio)}))
