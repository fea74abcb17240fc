# Runtime shared by the per-width evaluation protocols (linear probe,
# semi-supervised). The report hook writes <work_dir>/<timestamp>/
# <name>_{val,test}.{md,csv,png}: one row per width with top-1 / top-5,
# FLOPs and params of the static network of that width.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['slimmm'], allow_failed_imports=False)
custom_hooks = [
    dict(type='slimmm.CalibrateBNHook', num_batches=10),
    # --resume continues exactly (seeds, RNG states, position in the epoch).
    dict(type='slimmm.ExactResumeHook'),
    # name: the config's file name; FLOPs at the config's `crop_size`.
    dict(type='slimmm.WidthReportHook'),
]
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # slimmm.ExactResumeHook makes it atomic: written to a temporary file
    # and renamed, old ones removed only after.
    checkpoint=dict(type='CheckpointHook', interval=10,
                    max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
env_cfg = dict(cudnn_benchmark=False,
               mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(window_size=10)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
