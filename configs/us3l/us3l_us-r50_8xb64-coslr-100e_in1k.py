# US3L, universally slimmable ResNet-50 [0.25, 1.0], ImageNet-1k, 100
# epochs, 8 GPUs x 64 = batch 512 (section 4.1).
_base_ = [
    '../_base_/models/us3l_us-r50.py',
    '../_base_/datasets/imagenet_mocov2.py',
    '../_base_/schedules/us3l_sgd-coslr-100e.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(batch_size=64)
