# US3L with the universally slimmable ViT-Small on CIFAR-10 (Table 3): the
# embedding dimension slimmed in every layer (any width in [0.25, 1.0]),
# 32 px images in 4 x 4 patches, class token out; US3L's loss and dynamic
# sampling with MoCov3's ViT schedule (AdamW, 300 epochs, tau 0.2, MLP
# dimension 2048) as US3L's ViT code runs it. ViT-Tiny: arch='tiny'.
_base_ = [
    '../_base_/models/us3l_us-r50.py',
    '../_base_/datasets/cifar10_ssl.py',
    '../_base_/schedules/mocov3-vit_adamw-coslr-300e_cifar.py',
    '../_base_/default_runtime.py',
]
model = dict(
    temperature=0.2,
    backbone=dict(
        _delete_=True,
        type='slimmm.SlimmableViT',
        arch='small',
        img_size=32,
        patch_size=4,
        head_slicing='dims',
        width_range={{_base_.width_range}},
        out_type='cls_token'),
    neck=dict(with_avg_pool=False),
    data_preprocessor={{_base_.data_preprocessor}})
