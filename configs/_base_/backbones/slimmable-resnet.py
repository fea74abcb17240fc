# Slimmable ResNet-50 (Slimmable Networks, SlimCLR): widths 1.0, 0.75, 0.5,
# 0.25 with one BN per width. Channels at width w follow int(64 * w).
num_widths = 4
model = dict(
    backbone=dict(
        type='slimmm.SlimmableResNet',
        depth=50,
        widths=[1.0 - i / num_widths for i in range(num_widths)],
        out_indices=(3, ),
        norm_cfg=dict(type='BN', requires_grad=True)))
