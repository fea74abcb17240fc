# SlimCLR Table 2's joint protocol on a UNIVERSALLY slimmable R-50 (US3L's
# checkpoint: any width in [0.25, 1.0], sliced BN): each iteration trains the
# sandwich rule's widths (largest, smallest and two random ones), then every
# evaluated width recomputes its BN statistics on 20 training batches first
# (a sliced BN has no per-width statistics of its own).
_base_ = './mask-rcnn_slimmable-r50_fpn_joint-4widths_8xb8-1x_coco.py'

checkpoint = 'work_dirs/pretrain/us3l_us-r50.pth'
model = dict(
    backbone=dict(
        widths=None,
        width_range=(0.25, 1.0),
        channel_rule='layer',  # US3L's per-layer rounding
        init_cfg=dict(checkpoint=checkpoint)),
    train_widths=None,
    sampler=dict(schedule='sandwich', num_subnets=4),
    eval_widths=[1.0, 0.75, 0.5, 0.25])
val_cfg = dict(calibrate_batches=20)
test_cfg = dict(calibrate_batches=20)
