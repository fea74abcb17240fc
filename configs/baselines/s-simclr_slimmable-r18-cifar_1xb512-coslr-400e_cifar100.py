# The S-Net version of the US3L Table 2 SimCLR baseline: a slimmable CIFAR
# ResNet-18 [1.0, 0.75, 0.5, 0.25] with switchable BN, every width every
# iteration, each its own NT-Xent loss.
_base_ = './us-simclr_us-r18-cifar_1xb512-coslr-400e_cifar100.py'
model = dict(
    sampler=dict(_delete_=True, schedule='all'),
    backbone=dict(width_range=None, channel_rule='stage',
                  widths=[1.0, 0.75, 0.5, 0.25]))
