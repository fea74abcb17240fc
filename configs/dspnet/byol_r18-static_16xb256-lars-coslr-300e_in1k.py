# Baseline: BYOL pretraining one ResNet-18 individually (DSPNet's
# comparison), as the DSPNet code with a static backbone cut from the
# ResNet-34 x 1.5 family (stage-1 channels 64 of 96, blocks [2, 2, 2, 2])
# and n = 1.
_base_ = ['./dspnet_slimmable-r34x1.5_16xb256-lars-coslr-300e_in1k.py']
resnet18_channels, family_max_channels = 64, 96
model = dict(
    sampler=dict(_delete_=True, schedule='full_only'),
    backbone=dict(width=resnet18_channels / family_max_channels,
                  blocks_per_stage=[2, 2, 2, 2]))
