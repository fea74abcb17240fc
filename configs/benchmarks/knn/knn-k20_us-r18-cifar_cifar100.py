# kNN (K = 20) on CIFAR-100 at Table 2's nine widths of US3L's universal
# CIFAR ResNet-18: the network, widths and data of the CIFAR-100 probe
# (configs/benchmarks/linear_probe/
#   us3l_linear_us-r18-cifar_1xb512-steplr-100e_cifar100.py); BN statistics
# recalibrated per width on training batches first. Nothing is trained:
#   python tools/benchmarks/knn_eval.py THIS --checkpoint PRETRAIN.pth
_base_ = ('../linear_probe/'
          'us3l_linear_us-r18-cifar_1xb512-steplr-100e_cifar100.py')
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
val_cfg = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
test_cfg = dict()
