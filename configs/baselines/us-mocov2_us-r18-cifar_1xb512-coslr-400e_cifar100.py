# The MoCo baseline of US3L's comparison: MoCov2 at every sampled width of
# the universally slimmable CIFAR ResNet-18 (vanilla slimmable SSL,
# SlimCLR Eq. 2: each width its own InfoNCE against the full-width
# momentum keys and the queue; no distillation, reweighting or slow
# start), sandwich rule with 4 sub-networks. Table 11 lists no MoCo row:
# SimCLR's SGD settings (lr 0.5, wd 1e-4), MoCov2's tau 0.2 and m 0.999,
# a 4096-key queue for CIFAR's 50k images.
_base_ = [
    '../_base_/models/slimclr-mocov2_slimmable-r50.py',
    '../_base_/datasets/cifar100_ssl.py',
    '../_base_/schedules/ssl_sgd-coslr-400e_cifar.py',
    '../_base_/default_runtime.py',
]
model = dict(
    queue_len=4096,
    subnet_terms='infonce',
    loss_weight_manner=None,
    sampler=dict(_delete_=True, schedule='sandwich', num_subnets=4),
    backbone=dict(type='slimmm.SlimmableResNetCIFAR', depth=18,
                  widths=None, width_range=(0.25, 1.0),
                  channel_rule='layer'),
    data_preprocessor={{_base_.data_preprocessor}})
