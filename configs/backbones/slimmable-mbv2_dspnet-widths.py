# MobileNetV2 at DSPNet's widths 1.0, 0.875, 0.75, 0.625, 0.5 (one BN per
# width). Width w cuts out mmpretrain's MobileNetV2(widen_factor=w).
num_widths, smallest = 5, 0.5
model = dict(
    backbone=dict(
        type='slimmm.SlimmableMobileNetV2',
        widths=[
            1.0 - i * (1.0 - smallest) / (num_widths - 1)
            for i in range(num_widths)
        ],
        out_indices=(7, ),
        norm_cfg=dict(type='BN', requires_grad=True)))
