# SlimCLR-MoCov3, ResNet-50 [1.0, 0.75, 0.5, 0.25], 300 epochs, 8 x 128,
# LARS lr 1.2 -> 3.2 after S = 150 epochs, mixed precision as the paper.
_base_ = [
    '../_base_/models/slimclr-mocov3_slimmable-r50.py',
    '../_base_/datasets/imagenet_mocov3.py',
    '../_base_/schedules/ssl_lars-coslr-300e.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
