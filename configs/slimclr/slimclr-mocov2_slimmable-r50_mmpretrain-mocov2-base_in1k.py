# SlimCLR-MoCov2 on mmpretrain's own MoCo v2 recipe: its ImageNet pipeline
# (colour jitter with hue included), schedule and runtime, with the
# algorithm, backbone and neck swapped for slimmm's. A user config in this
# form runs under mmpretrain's stock tools/train.py. (slimmm's own
# slimclr-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py follows the paper's
# batch of 1024 instead.)
_base_ = 'mmpretrain::mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py'
custom_imports = dict(imports=['slimmm'], allow_failed_imports=False)

widths = [1.0, 0.75, 0.5, 0.25]
model = dict(
    _delete_=True,
    type='slimmm.SlimCLRMoCoV2',
    queue_len=65536,
    feat_dim=128,
    momentum=0.001,
    temperature=0.2,
    distill_temperature=5.0,
    loss_weight_manner=1,
    subnet_terms='both',
    sampler=dict(schedule='slow_start', slow_start=0.5),
    backbone=dict(type='slimmm.SlimmableResNet', depth=50, widths=widths,
                  norm_cfg=dict(type='BN'), zero_init_residual=False),
    neck=dict(type='slimmm.SlimmableMoCoV2Neck', in_channels=None,
              hid_channels=2048, out_channels=128))
# Slow start reads the training progress from the message hub.
custom_hooks = [dict(type='slimmm.WidthScheduleHook')]
# A config inherited through `mmpretrain::` carries `_scope_` into
# collate_fn, which mmengine 0.10.7's dataloader builder passes on to the
# function (docs/notes/faq.md); naming the function anew drops it.
train_dataloader = dict(
    collate_fn=dict(_delete_=True, type='default_collate'))
# Sub-networks leave other widths' BN members without gradient.
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
