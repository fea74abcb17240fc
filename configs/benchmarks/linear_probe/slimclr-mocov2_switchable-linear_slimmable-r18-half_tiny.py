# The main job's probe: slimclr-mocov2_switchable-linear_slimmable-r18_tiny.py
# on the half-channel ResNet-18 of
# configs/slimclr/slimclr-mocov2_slimmable-r18-half_1xb32-tiny.py.
#   python tools/train.py THIS --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_N.pth
_base_ = './slimclr-mocov2_switchable-linear_slimmable-r18_tiny.py'
model = dict(backbone=dict(
    stem_channels=32, base_channels=32,
    init_cfg=dict(
        checkpoint='work_dirs/main_job/pretrain/slimmable-r18-half.pth')))
