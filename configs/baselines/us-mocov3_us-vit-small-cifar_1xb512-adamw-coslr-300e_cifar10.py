# US3L Table 3's "US + MoCov3": MoCov3 at every sampled width of the
# universally slimmable ViT-Small on CIFAR-10 (vanilla slimmable SSL: each
# width its own in-batch InfoNCE against the full-width momentum keys; no
# distillation, reweighting or slow start), sandwich rule with 4
# sub-networks, MoCov3's ViT recipe (AdamW, 300 epochs, tau 0.2, momentum
# 0.99 -> 1 cosine, MLP dimension 2048). MoCov3 of one width alone:
# --cfg-options model.backbone.width=0.5.
_base_ = [
    '../_base_/models/slimclr-mocov3_slimmable-r50.py',
    '../_base_/datasets/cifar10_ssl.py',
    '../_base_/schedules/mocov3-vit_adamw-coslr-300e_cifar.py',
    '../_base_/default_runtime.py',
]
model = dict(
    temperature=0.2,
    subnet_terms='infonce',
    loss_weight_manner=None,
    sampler=dict(_delete_=True, schedule='sandwich', num_subnets=4),
    backbone=dict(
        _delete_=True,
        type='slimmm.SlimmableViT',
        arch='small',
        img_size=32,
        patch_size=4,
        head_slicing='dims',
        width_range=(0.25, 1.0),
        out_type='cls_token'),
    neck=dict(hid_channels=2048, with_avg_pool=False),
    predictor=dict(hid_channels=2048),
    data_preprocessor={{_base_.data_preprocessor}})
