# US3L Table 2's BYOL at every sampled width of the universally slimmable
# CIFAR ResNet-18: slimmm.DSPNet is BYOL with a sampled slimmable online
# encoder and a full-width momentum target (no depth sampling here), so the
# baseline is that algorithm with Table 11's BYOL settings (lr 0.1, wd 5e-4,
# m 0.99 constant, dim 2048, sandwich rule with 4 sub-networks).
_base_ = [
    '../_base_/datasets/cifar100_ssl.py',
    '../_base_/schedules/ssl_sgd-coslr-400e_cifar.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='slimmm.DSPNet',
    momentum=0.01,  # 1 - m, m = 0.99
    end_momentum=0.01,  # constant
    sampler=dict(schedule='sandwich', num_subnets=4),
    backbone=dict(type='slimmm.SlimmableResNetCIFAR', depth=18,
                  width_range=(0.25, 1.0), channel_rule='layer',
                  norm_cfg=dict(type='BN')),
    neck=dict(type='slimmm.SlimmableMLPNeck', in_channels=None,
              hid_channels=2048, out_channels=2048, with_bn=True),
    predictor=dict(type='slimmm.SlimmableMLPNeck', in_channels=2048,
                   hid_channels=512, out_channels=2048, with_bn=True,
                   with_avg_pool=False),
    data_preprocessor={{_base_.data_preprocessor}})
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=5e-4))
