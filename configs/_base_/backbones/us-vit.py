# Universally slimmable ViT (US3L Sec. 4.3): any width in [0.25, 1.0] slims
# the embedding of every layer; every head keeps its first e / H dims
# (head_slicing='dims'). No BN, so no calibration is needed per width.
# For CIFAR (US3L Table 3) override img_size=32 and a smaller patch_size.
model = dict(
    backbone=dict(
        type='slimmm.SlimmableViT',
        arch='small',
        img_size=224,
        patch_size=16,
        head_slicing='dims',
        width_range=(0.25, 1.0),
        out_type='cls_token'))
