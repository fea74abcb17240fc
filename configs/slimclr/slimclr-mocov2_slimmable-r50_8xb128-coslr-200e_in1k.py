# SlimCLR-MoCov2, ResNet-50 [1.0, 0.75, 0.5, 0.25], 200 epochs, 8 x 128.
_base_ = [
    '../_base_/models/slimclr-mocov2_slimmable-r50.py',
    '../_base_/datasets/imagenet_mocov2.py',
    '../_base_/schedules/ssl_sgd-coslr-200e.py',
    '../_base_/default_runtime.py',
]
