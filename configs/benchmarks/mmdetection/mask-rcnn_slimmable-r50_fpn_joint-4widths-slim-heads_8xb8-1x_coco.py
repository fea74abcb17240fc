# The joint protocol with the FPN and heads slimmed too (beyond the papers):
# SlimCLR Table 2's joint Mask R-CNN R-50-FPN, where every FPN-width tensor
# of the neck, RPN and RoI heads (256 channels) has make_divisible(256 * w,
# 8) channels at width w, so that a narrow width costs about its share of
# the whole detector and not only of the backbone. The predictors keep
# their outputs; each width exports to a stock mmdet Mask R-CNN with those
# channels.
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --protocol joint --launcher pytorch --gpus 8
_base_ = './mask-rcnn_slimmable-r50_fpn_joint-4widths_8xb8-1x_coco.py'
model = dict(slim_neck_and_heads=True)
