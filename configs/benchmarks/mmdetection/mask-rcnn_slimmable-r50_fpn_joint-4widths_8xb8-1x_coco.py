# SlimCLR Table 2: Mask R-CNN R-50-FPN as ONE supervised slimmable network,
# fine-tuned at all four widths together on COCO 2017 (MMDetection 1x), then
# evaluated at each width. As the official code: only the backbone is
# slimmable (switchable BN, SyncBN per width); each width's features enter
# one shared full-width FPN as zero-padded ones would; FPN, RPN and RoI
# heads have no norm layers and are shared; each iteration runs forward +
# backward at 1.0, 0.75, 0.5, 0.25 with equal loss weights, clips the
# summed gradient at max-norm 35 and steps once; SGD lr 0.08 for 8 GPUs x 8
# images, linear warm-up over 500 iterations.
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --protocol joint --launcher pytorch --gpus 8
_base_ = [
    './_base_/mask-rcnn_slimmable-r50_fpn_syncbn-backbone-neck.py',
    './_base_/joint-protocol.py',
]
model = dict(
    type='slimmm.JointMaskRCNN',
    backbone=dict(width=None),
    neck=dict(norm_cfg=None),
    train_widths={{_base_.widths}})
model_wrapper_cfg = {{_base_.joint_model_wrapper_cfg}}
val_cfg = {{_base_.joint_val_cfg}}
test_cfg = {{_base_.joint_test_cfg}}
custom_hooks = {{_base_.joint_custom_hooks}}

train_dataloader = dict(batch_size=8, num_workers=4)
optim_wrapper = dict(
    optimizer=dict(lr=0.08), clip_grad=dict(max_norm=35, norm_type=2))
# mmdet's 1x schedule already warms up linearly over 500 iterations; the lr
# above is for 64 images per iteration.
auto_scale_lr = dict(enable=False, base_batch_size=64)
