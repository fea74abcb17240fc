# The main job's detection step: mask-rcnn_slimmable-r18_fpn_tiny-coco.py on
# the half-channel ResNet-18 of
# configs/slimclr/slimclr-mocov2_slimmable-r18-half_1xb32-tiny.py (FPN
# in_channels follow the backbone).
#   python tools/train.py THIS --cfg-options model.backbone.width=0.5 \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_N.pth
_base_ = './mask-rcnn_slimmable-r18_fpn_tiny-coco.py'
checkpoint = 'work_dirs/main_job/pretrain/slimmable-r18-half.pth'
model = dict(backbone=dict(stem_channels=32, base_channels=32,
                           init_cfg=dict(checkpoint=checkpoint)))
