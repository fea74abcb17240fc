# Per-width linear evaluation (SlimCLR Table 1) of the released
# SlimCLR-MoCov3 ResNet-50 (300 epochs), converted with
#   python tools/model_converters/slimclr_to_slimmm.py \
#       slimclr-mocov3-ep300-57e298e9cd.pth.tar \
#       checkpoints/slimclr-mocov3-ep300_slimmm.pth
#   bash tools/dist_train.sh THIS_CONFIG 8
_base_ = './slimclr-mocov3_switchable-linear_slimmable-r50_8xb128-coslr-90e_in1k.py'  # noqa: E501
model = dict(backbone=dict(init_cfg=dict(
    checkpoint='checkpoints/slimclr-mocov3-ep300_slimmm.pth')))
