# The main job's detection step: mask-rcnn_slimmable-r18_fpn_tiny-coco.py on
# the half-channel ResNet-18 of
# configs/slimclr/slimclr-mocov2_slimmable-r18-half_1xb32-tiny.py (FPN
# in_channels follow the backbone), on the harder tiny COCO of
# _base_/tiny-coco-8shapes.py (eight shapes, up to four objects).
#   python tools/train.py THIS --cfg-options model.backbone.width=0.5 \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_N.pth
_base_ = ['./mask-rcnn_slimmable-r18_fpn_tiny-coco.py',
          './_base_/tiny-coco-8shapes.py']
checkpoint = 'work_dirs/main_job/pretrain/slimmable-r18-half.pth'
# One sample per RoIAlign bin instead of an adaptive count: a RoI on a
# 96 px image spans at most 24 cells of the stride-4 level that all of
# them use, so a 7 x 7 (14 x 14) bin covers about one cell; the adaptive
# count samples large early proposals up to 16 times per bin, and mmcv's
# CPU RoIAlign (single-threaded) is a quarter of an iteration.
single_sample_roi = dict(roi_layer=dict(sampling_ratio=1))
model = dict(backbone=dict(stem_channels=32, base_channels=32,
                           init_cfg=dict(checkpoint=checkpoint)),
             roi_head=dict(bbox_roi_extractor=single_sample_roi,
                           mask_roi_extractor=single_sample_roi,
                           **_base_.shapes8_heads))
data_root = {{_base_.shapes8_data_root}}
train_dataloader = dict(dataset={{_base_.shapes8_dataset}})
val_dataloader = dict(dataset={{_base_.shapes8_dataset}})
test_dataloader = val_dataloader
val_evaluator = {{_base_.shapes8_evaluator}}
test_evaluator = val_evaluator
# A fixed seed (mmdet's runtime draws one per run): the weights a random
# initialisation starts from and the data order repeat, so a rerun gives
# the same AP on the same machine (40 validation images move AP_bb by
# several points from one seed to another).
randomness = dict(seed=0)
