# The joint protocol (SlimCLR Table 2) for FCOS R-50-FPN: ONE detector
# fine-tuned at all four widths together on COCO 2017 (MMDetection 1x), then
# evaluated at each width. The backbone is slimmable (SyncBN per width);
# each width's features enter one shared full-width FPN as zero-padded ones
# would; the head keeps mmdet's GroupNorm, which has no running statistics
# and so is shared by all widths; one forward + backward per width, one
# step. SGD lr 0.04 for 8 GPUs x 8 images (mmdet's FCOS lr 0.01 per 16
# images, scaled linearly), mmdet's FCOS clipping.
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --protocol joint --launcher pytorch --gpus 8
_base_ = [
    './fcos_slimmable-r50_fpn_syncbn_1x_coco.py',
    './_base_/joint-protocol.py',
]
model = dict(
    type='slimmm.JointFCOS',
    backbone=dict(width=None),
    train_widths={{_base_.widths}})
model_wrapper_cfg = {{_base_.joint_model_wrapper_cfg}}
val_cfg = {{_base_.joint_val_cfg}}
test_cfg = {{_base_.joint_test_cfg}}
custom_hooks = {{_base_.joint_custom_hooks}}

train_dataloader = dict(batch_size=8, num_workers=4)
optim_wrapper = dict(optimizer=dict(lr=0.04))
auto_scale_lr = dict(enable=False, base_batch_size=64)
