# Semi-supervised fine-tuning (DSPNet Appendix A.3, its default protocol):
# backbone and per-width classifiers all trainable, backbone lr 0.001 and
# classifier lr 0.02 (lr_mult = 0.001 / 0.02), 10% labelled subset. All
# widths are fine-tuned jointly (one loss per width, summed); set
# model.widths=[w] to fine-tune one width alone as DSPNet does per network.
_base_ = './dspnet_linear-bn_slimmable-r18_8xb32-coslr-50e_in1k-10pct.py'
backbone_lr_ratio = 0.001 / 0.02  # backbone lr / classifier lr
model = dict(frozen_backbone=False, with_bn=False)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={
    'backbone': dict(lr_mult=backbone_lr_ratio)}))
