# RetinaNet R-18-FPN per width on the built-in tiny COCO: the real recipe
# (retinanet_slimmable-r50_fpn_syncbn_1x_coco.py) at depth 18 with the tiny
# CPU settings (96 px, FPN and head at 64 channels, 40 iterations);
# model.backbone.width is the one override per width, and
# model.backbone.init_cfg=None trains from a random initialisation.
_base_ = [
    './retinanet_slimmable-r50_fpn_syncbn_1x_coco.py', './_base_/tiny-cpu.py',
    './_base_/tiny-coco-boxes.py'
]
fpn_channels = {{_base_.tiny_fpn_channels}}
model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(
            checkpoint='work_dirs/main_job/pretrain/slimmable-r18.pth')),
    neck=dict(out_channels=fpn_channels),
    bbox_head=dict(num_classes={{_base_.tiny_coco_num_classes}},
                   in_channels=fpn_channels, feat_channels=fpn_channels,
                   stacked_convs=2),
    # Keep every scored box, so that the metric has detections to evaluate
    # even after a handful of iterations.
    test_cfg=dict(score_thr=0.0, max_per_img=20))
train_dataloader = {{_base_.tiny_coco_train_dataloader}}
val_dataloader = {{_base_.tiny_coco_val_dataloader}}
test_dataloader = val_dataloader
val_evaluator = {{_base_.tiny_coco_evaluator}}
test_evaluator = val_evaluator
train_cfg = {{_base_.tiny_train_cfg}}
param_scheduler = {{_base_.tiny_param_scheduler}}
optim_wrapper = {{_base_.tiny_optim_wrapper}}
default_hooks = {{_base_.tiny_default_hooks}}
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
