# SlimCLR-MoCov2 on mmpretrain's own MoCo v2 recipe: mmpretrain's ImageNet
# pipeline (colour jitter with hue included), schedule and runtime, as
# mmpretrain::mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py composes them,
# with slimmm's model in place of MoCo's. Runs under mmpretrain's stock
# tools/train.py. (slimmm's own
# slimclr-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py follows the
# paper's batch of 1024 instead.)
_base_ = [
    '../_base_/models/slimclr-mocov2_slimmable-r50.py',
    'mmpretrain::_base_/datasets/imagenet_bs32_mocov2.py',
    'mmpretrain::_base_/schedules/imagenet_sgd_coslr_200e.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['slimmm'], allow_failed_imports=False)
# slimmm's exact --resume, and checkpoints that no kill loses (mmpretrain's
# MoCo v2 keeps the last three).
custom_hooks = [dict(type='slimmm.ExactResumeHook')]
default_hooks = dict(checkpoint=dict(max_keep_ckpts=3))
# A base read through `mmpretrain::` carries `_scope_` into collate_fn,
# which mmengine 0.10.7's dataloader builder passes on to the function
# (docs/notes/faq.md); naming the function anew drops it.
train_dataloader = dict(
    collate_fn=dict(_delete_=True, type='default_collate'))
# Under DDP: the wrapper that runs slimmm's train_step (one backward per
# width, one gradient all-reduce), as in slimmm's default runtime.
model_wrapper_cfg = dict(
    type='slimmm.SubnetDistributedDataParallel', broadcast_buffers=False,
    find_unused_parameters=True)
auto_scale_lr = dict(base_batch_size=256)
