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
model = dict(backbone=dict(stem_channels=32, base_channels=32,
                           init_cfg=dict(checkpoint=checkpoint)),
             roi_head={{_base_.shapes8_heads}})
data_root = {{_base_.shapes8_data_root}}
train_dataloader = dict(dataset={{_base_.shapes8_dataset}})
val_dataloader = dict(dataset={{_base_.shapes8_dataset}})
test_dataloader = val_dataloader
val_evaluator = {{_base_.shapes8_evaluator}}
test_evaluator = val_evaluator
