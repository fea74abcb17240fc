# DSPNet, ResNet-18 ... ResNet-34 x 1.5 family (9 desired networks),
# ImageNet-1k at 128 px, 300 epochs, 16 GPUs x 256 = batch 4096.
_base_ = [
    '../_base_/models/dspnet_slimmable-r34x1.5.py',
    '../_base_/datasets/imagenet_byol-128.py',
    '../_base_/schedules/dspnet_lars-coslr-300e.py',
    '../_base_/default_runtime.py',
]
max_epochs = 300
warmup_epochs = 10
model = dict(sampler=dict(warmup=warmup_epochs / max_epochs))
train_dataloader = dict(batch_size=256)
