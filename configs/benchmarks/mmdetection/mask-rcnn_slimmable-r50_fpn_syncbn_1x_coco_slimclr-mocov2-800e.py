# SlimCLR Table 2 from the released SlimCLR-MoCov2 ResNet-50 (800 epochs,
# slimclr-mocov2-ep800-eda810a6a9.pth.tar) after
#   python tools/model_converters/slimclr_to_slimmm.py \
#       slimclr-mocov2-ep800-eda810a6a9.pth.tar \
#       checkpoints/slimclr-mocov2-ep800_slimmm.pth
# then, per width:
#   python tools/benchmarks/transfer.py THIS_CONFIG \
#       --checkpoint checkpoints/slimclr-mocov2-ep800_slimmm.pth \
#       --widths 1.0 0.75 0.5 0.25 --launcher pytorch --gpus 8
_base_ = './mask-rcnn_slimmable-r50_fpn_syncbn_1x_coco.py'
model = dict(backbone=dict(init_cfg=dict(
    checkpoint='checkpoints/slimclr-mocov2-ep800_slimmm.pth')))
