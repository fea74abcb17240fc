# US3L on CIFAR-100 (Table 2): universally slimmable ResNet-18 [0.25, 1.0]
# with the CIFAR stem (3x3 stride-1 conv, no max-pool), US3L's loss,
# dynamic sampling and group regularization; batch 512 on one GPU, SGD lr
# 0.5, cosine, 400 epochs, tau 0.5, m 0.99, dim 2048 (Table 11).
#   python tools/train.py \
#       configs/us3l/us3l_us-r18-cifar_1xb512-coslr-400e_cifar100.py
_base_ = [
    '../_base_/models/us3l_us-r50.py',
    '../_base_/datasets/cifar100_ssl.py',
    '../_base_/schedules/us3l_sgd-coslr-400e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(type='slimmm.SlimmableResNetCIFAR', depth=18),
    data_preprocessor={{_base_.data_preprocessor}})
