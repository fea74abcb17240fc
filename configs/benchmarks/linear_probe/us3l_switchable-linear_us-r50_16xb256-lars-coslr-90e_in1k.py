# US3L linear evaluation of a universally slimmable ResNet-50 (any width in
# [0.25, 1.0]): the widths to evaluate are listed, BN statistics are
# recalibrated per width on training batches before training the probe and
# before each evaluation (slimmm.CalibrateBNHook -> calibrate_bn).
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/imagenet_linear-probe.py',
    '../../_base_/schedules/linear-probe_lars-coslr-90e.py',
    '../../_base_/probe_runtime.py',
]
num_eval_widths = 4
model = dict(
    backbone=dict(widths=None, width_range=(0.25, 1.0),
                  channel_rule='layer'),
    widths=[1.0 - i / num_eval_widths for i in range(num_eval_widths)])
batch_size = 256  # x 16 GPUs = 4096
train_dataloader = dict(batch_size=batch_size)
