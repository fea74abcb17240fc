# US3L on CIFAR-100 (Table 2) with US3L's CIFAR MobileNetV2 (stride 1 in
# the stem and layer2; shortcuts decided at full width as in US3L's
# us_mobilenet_v2).
_base_ = './us3l_us-r18-cifar_1xb512-coslr-400e_cifar100.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='slimmm.SlimmableMobileNetV2CIFAR',
        width_range={{_base_.width_range}},
        residual_rule='full-width',
        norm_cfg=dict(type='BN')))
