# DSPNet on the ResNet family of section 5 ("Applying to Other Networks"):
# stage channels {64, 80, 96} x 2^i (widths 64/96, 80/96, 1 of a ResNet-34
# x 1.5, stem following the width so the smallest is a plain ResNet-18) and
# blocks per stage {[2,2,2,2], [2,3,4,3], [3,4,6,3]}: 9 desired networks.
# BYOL projector / predictor 4096 -> 256 with BN + ReLU (Appendix A.1),
# target EMA tau 0.996 -> 1.0, sandwich rule with n = 4.
family_channels = [96, 80, 64]  # stage-1 channels, largest first
depths = [[2, 2, 2, 2], [2, 3, 4, 3], [3, 4, 6, 3]]  # shallowest first
max_channels = family_channels[0]
model = dict(
    type='slimmm.DSPNet',
    momentum=0.004,  # 1 - tau_base, tau_base = 0.996
    end_momentum=0.0,  # tau -> 1.0 (cosine)
    sampler=dict(schedule='sandwich', num_subnets=4, warmup=0.0,
                 depths=depths),
    backbone=dict(type='slimmm.SlimmableResNet', depth=34,
                  stem_channels=max_channels, base_channels=max_channels,
                  widths=[c / max_channels for c in family_channels],
                  norm_cfg=dict(type='BN')),
    # in_channels=None: the first projector layer follows the sub-network.
    neck=dict(type='slimmm.SlimmableMLPNeck', in_channels=None,
              hid_channels=4096, out_channels=256, with_bn=True),
    predictor=dict(type='slimmm.SlimmableMLPNeck', in_channels=256,
                   hid_channels=4096, out_channels=256, with_bn=True,
                   with_avg_pool=False))
