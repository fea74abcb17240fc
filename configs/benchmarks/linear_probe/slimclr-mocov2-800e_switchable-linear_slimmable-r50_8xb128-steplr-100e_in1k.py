# Per-width linear evaluation (SlimCLR Table 1) of the released
# SlimCLR-MoCov2 ResNet-50 (800 epochs), converted with
#   python tools/model_converters/slimclr_to_slimmm.py \
#       slimclr-mocov2-ep800-eda810a6a9.pth.tar \
#       checkpoints/slimclr-mocov2-ep800_slimmm.pth
#   bash tools/dist_train.sh THIS_CONFIG 8
_base_ = './slimclr-mocov2_switchable-linear_slimmable-r50_8xb128-steplr-100e_in1k.py'  # noqa: E501
model = dict(backbone=dict(init_cfg=dict(
    checkpoint='checkpoints/slimclr-mocov2-ep800_slimmm.pth')))
