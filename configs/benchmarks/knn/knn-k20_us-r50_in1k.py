# kNN at listed widths of a universally slimmable ResNet-50 (US3L): BN
# statistics are recalibrated per width on training batches first.
_base_ = './knn-k20_slimmable-r50_in1k.py'
num_eval_widths = 4
model = dict(
    backbone=dict(widths=None, width_range=(0.25, 1.0),
                  channel_rule='layer'),
    widths=[1.0 - i / num_eval_widths for i in range(num_eval_widths)])
