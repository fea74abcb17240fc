# DSPNet, MobileNetV3-Large at widths [1.0, 0.875, 0.75, 0.625, 0.5]
# (section 5), ImageNet-1k at 224 px, 300 epochs, 16 GPUs x 256 = 4096.
_base_ = [
    '../_base_/models/dspnet_slimmable-r34x1.5.py',
    '../_base_/datasets/imagenet_mocov3.py',
    '../_base_/schedules/dspnet_lars-coslr-300e.py',
    '../_base_/default_runtime.py',
]
max_epochs = 300
warmup_epochs = 10
num_widths, smallest = 5, 0.5
widths = [1.0 - i * (1.0 - smallest) / (num_widths - 1)
          for i in range(num_widths)]
model = dict(
    # width only: MobileNetV3 has no depth choices in DSPNet
    sampler=dict(_delete_=True, schedule='sandwich', num_subnets=4,
                 warmup=warmup_epochs / max_epochs),
    backbone=dict(_delete_=True, type='slimmm.SlimmableMobileNetV3',
                  arch='large', widths=widths))
train_dataloader = dict(batch_size=256)
