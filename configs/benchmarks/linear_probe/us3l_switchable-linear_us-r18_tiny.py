# Tiny variant of the US3L probe: universally slimmable ResNet-18, listed
# widths, BN recalibrated per width (4 training batches each).
_base_ = '../../_base_/linear-probe_tiny.py'
num_eval_widths = 4
model = dict(
    backbone=dict(widths=None, width_range=(0.25, 1.0),
                  channel_rule='layer'),
    widths=[1.0 - i / num_eval_widths for i in range(num_eval_widths)])
optim_wrapper = dict(
    optimizer=dict(type='LARS', lr=0.1, momentum=0.9, weight_decay=0.0))
custom_hooks = [
    dict(type='slimmm.CalibrateBNHook', num_batches=4),
    dict(type='slimmm.WidthReportHook'),
]
