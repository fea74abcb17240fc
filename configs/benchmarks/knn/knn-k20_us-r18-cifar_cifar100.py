# kNN (K = 20) on CIFAR-100 at Table 2's nine widths of US3L's universal
# CIFAR ResNet-18 (configs/us3l/
#   us3l_us-r18-cifar_1xb512-coslr-400e_cifar100.py);
# BN statistics recalibrated per width on training batches first.
#   python tools/benchmarks/knn_eval.py THIS --checkpoint PRETRAIN.pth
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/cifar100_linear-probe.py',
    '../../_base_/probe_runtime.py',
]
eval_widths = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25]
model = dict(
    backbone=dict(type='slimmm.SlimmableResNetCIFAR', depth=18,
                  widths=None, width_range=(0.25, 1.0),
                  channel_rule='layer'),
    widths=eval_widths,
    num_classes={{_base_.num_classes}},
    data_preprocessor=dict(mean=[125.307, 122.961, 113.8575],
                           std=[51.5865, 50.847, 51.255], to_rgb=False))
# The training split is the labelled bank (see knn-k20_slimmable-r50_in1k.py).
knn = dict(k=20, temperature=0.07, calibration_batches=10,
           bank_dataloader={{_base_.train_dataloader}})
# mmpretrain's test.py runs this config too (the untrained linear heads):
# its BN calibration reads the bank.
custom_hooks = [
    dict(type='slimmm.CalibrateBNHook', num_batches=10,
         dataloader={{_base_.train_dataloader}}),
    dict(type='slimmm.WidthReportHook'),
]
train_dataloader = None
val_dataloader = None
val_evaluator = None
test_cfg = dict()
