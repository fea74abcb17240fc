# US3L Table 2 baseline "US [31] + SimCLR": SimCLR at every sampled width of
# a universally slimmable CIFAR ResNet-18 [0.25, 1.0] (sandwich rule, 4
# sub-networks: the "4T" of Table 2), each width its own NT-Xent loss;
# Table 11's SimCLR settings (batch 512, lr 0.5, wd 1e-4, tau 0.5, dim
# 2048, cosine, 400 epochs). The S-Net version lists widths
# (s-simclr_...); SimCLR of one width alone: --cfg-options
# model.backbone.width=0.5 (Table 2's individually trained rows).
_base_ = [
    '../_base_/datasets/cifar100_ssl.py',
    '../_base_/schedules/ssl_sgd-coslr-400e_cifar.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='slimmm.SlimmableSimCLR',
    sampler=dict(schedule='sandwich', num_subnets=4),
    backbone=dict(type='slimmm.SlimmableResNetCIFAR', depth=18,
                  width_range=(0.25, 1.0), channel_rule='layer',
                  norm_cfg=dict(type='BN')),
    # in_channels=None: the first projector layer follows the width.
    neck=dict(type='slimmm.SlimmableMLPNeck', in_channels=None,
              hid_channels=2048, out_channels=2048, with_bn=True),
    head=dict(type='mmpretrain.ContrastiveHead',
              loss=dict(type='mmpretrain.CrossEntropyLoss'),
              temperature=0.5),
    data_preprocessor={{_base_.data_preprocessor}})
