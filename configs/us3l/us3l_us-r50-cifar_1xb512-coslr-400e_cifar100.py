# US3L on CIFAR-100 (Table 2) with the CIFAR ResNet-50.
_base_ = './us3l_us-r18-cifar_1xb512-coslr-400e_cifar100.py'
model = dict(backbone=dict(depth=50))
