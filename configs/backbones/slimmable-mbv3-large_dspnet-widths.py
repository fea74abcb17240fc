# MobileNetV3-Large at DSPNet's widths 1.0, 0.875, 0.75, 0.625, 0.5 (dspnet
# Sec. 4), one BN per width; channels make_divisible(c * w, 8).
num_widths, smallest = 5, 0.5
model = dict(
    backbone=dict(
        type='slimmm.SlimmableMobileNetV3',
        arch='large',
        widths=[
            1.0 - i * (1.0 - smallest) / (num_widths - 1)
            for i in range(num_widths)
        ],
        norm_cfg=dict(type='BN', eps=0.001, momentum=0.01)))
