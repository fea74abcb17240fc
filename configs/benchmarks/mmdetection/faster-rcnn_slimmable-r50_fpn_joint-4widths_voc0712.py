# Faster R-CNN R-50-FPN on Pascal VOC 07+12 in the joint protocol: ONE
# detector fine-tuned at all four widths together (the recipe of
# faster-rcnn_slimmable-r50_fpn_syncbn_voc0712.py otherwise). The neck and
# the 4-conv-1-fc box head keep their SyncBN, switched per width (one set of
# statistics per width, never shared across widths).
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --protocol joint --launcher pytorch --gpus 8
_base_ = [
    './faster-rcnn_slimmable-r50_fpn_syncbn_voc0712.py',
    './_base_/joint-protocol.py',
]
model = dict(type='slimmm.JointFasterRCNN', backbone=dict(width=None))
model_wrapper_cfg = {{_base_.joint_model_wrapper_cfg}}
val_cfg = {{_base_.joint_val_cfg}}
test_cfg = {{_base_.joint_test_cfg}}
custom_hooks = {{_base_.joint_custom_hooks}}
optim_wrapper = dict(clip_grad=dict(max_norm=35, norm_type=2))
