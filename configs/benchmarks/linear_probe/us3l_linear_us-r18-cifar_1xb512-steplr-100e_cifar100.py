# US3L's linear evaluation on CIFAR-100 (appendix A): a frozen universally
# slimmable CIFAR ResNet-18 from
# configs/us3l/us3l_us-r18-cifar_1xb512-coslr-400e_cifar100.py, one linear
# classifier per evaluated width (default: Table 2's nine), BN statistics
# recalibrated per width; SGD lr 30, 100 epochs, /10 at 60 and 80.
#   python tools/train.py THIS --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_400.pth
# Other widths: --cfg-options "model.widths=[1.0,0.6,0.35]"
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/cifar100_linear-probe.py',
    '../../_base_/schedules/linear-probe_sgd-steplr-100e.py',
    '../../_base_/probe_runtime.py',
]
#: Table 2's widths
eval_widths = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25]
model = dict(
    backbone=dict(type='slimmm.SlimmableResNetCIFAR', depth=18,
                  widths=None, width_range=(0.25, 1.0),
                  channel_rule='layer'),
    widths=eval_widths,
    num_classes={{_base_.num_classes}},
    data_preprocessor=dict(mean=[125.307, 122.961, 113.8575],
                           std=[51.5865, 50.847, 51.255], to_rgb=False))
optim_wrapper = dict(optimizer=dict(lr=30.0))
auto_scale_lr = dict(base_batch_size={{_base_.batch_size}})
