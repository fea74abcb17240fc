# Runtime of the self-supervised pretraining configs.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['slimmm'], allow_failed_imports=False)
# --resume continues exactly: seeds per iteration, RNG states and the
# position inside the epoch in the checkpoint. (The width sampler reads the
# iteration from mmengine's message hub, which resume restores.)
custom_hooks = [dict(type='slimmm.ExactResumeHook')]
default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # slimmm.ExactResumeHook makes it atomic: written to a temporary file
    # and renamed, old ones removed only after.
    checkpoint=dict(type='CheckpointHook', interval=10,
                    max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # slimmm.apis.load_config (tools/train.py) switches nccl to gloo on
    # machines without CUDA (tools/dist_train.sh CONFIG 2 on a CPU box).
    dist_cfg=dict(backend='nccl'))
# Every algorithm trains in its train_step, one backward per sampled
# sub-network (slimmm.models.subnets.SubnetBackwardMixin); this wrapper runs
# it under DDP and all-reduces the gradients once per iteration.
# find_unused_parameters: the synchronised (last) sub-network does not use
# the deeper blocks or other widths' BN members, and in slow start every
# sub-width-only parameter is left without gradient.
model_wrapper_cfg = dict(
    type='slimmm.SubnetDistributedDataParallel', broadcast_buffers=False,
    find_unused_parameters=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_processor = dict(window_size=10)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
