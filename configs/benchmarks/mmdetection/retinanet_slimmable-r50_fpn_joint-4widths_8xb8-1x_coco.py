# The joint protocol (SlimCLR Table 2) for RetinaNet R-50-FPN: ONE detector
# fine-tuned at all four widths together on COCO 2017 (MMDetection 1x), then
# evaluated at each width. As the Mask R-CNN joint recipe: the backbone is
# slimmable (SyncBN per width); each width's features enter one shared
# full-width FPN (also its extra level, which RetinaNet convolves on the
# backbone's last output) as zero-padded ones would; the head has no norm
# layers and is shared; one forward + backward per width, one step. SGD lr
# 0.04 for 8 GPUs x 8 images (mmdet's RetinaNet lr 0.01 per 16 images,
# scaled linearly); the summed gradient of the four widths clipped at
# max-norm 35 as in the Mask R-CNN joint recipe.
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --protocol joint --launcher pytorch --gpus 8
_base_ = [
    './retinanet_slimmable-r50_fpn_syncbn_1x_coco.py',
    './_base_/joint-protocol.py',
]
model = dict(
    type='slimmm.JointRetinaNet',
    backbone=dict(width=None),
    train_widths={{_base_.widths}})
model_wrapper_cfg = {{_base_.joint_model_wrapper_cfg}}
val_cfg = {{_base_.joint_val_cfg}}
test_cfg = {{_base_.joint_test_cfg}}
custom_hooks = {{_base_.joint_custom_hooks}}

train_dataloader = dict(batch_size=8, num_workers=4)
optim_wrapper = dict(
    optimizer=dict(lr=0.04), clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=64)
