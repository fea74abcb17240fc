# SlimCLR-MoCov3 on a slimmable ResNet-50 [1.0, 0.75, 0.5, 0.25]: slimmable
# projector (2048 -> 4096 -> 256) and predictor (256 -> 4096 -> 256), hidden
# layers slimmed with the width (one BN per width), in-batch negatives,
# tau1 = tau2 = 1.0, momentum 0.99 -> 1 (cosine), slow start at half.
widths = [1.0, 0.75, 0.5, 0.25]
mlp = dict(type='slimmm.SlimmableMLPNeck', num_layers=2, slim_hidden=True,
           with_bn=True, with_last_bn=True, with_last_bn_affine=False,
           with_bias=False, with_last_bias=False)
model = dict(
    type='slimmm.SlimCLRMoCoV3',
    momentum=0.01,
    end_momentum=0.0,
    temperature=1.0,
    distill_temperature=1.0,
    loss_weight_manner=1,
    sampler=dict(schedule='slow_start', slow_start=0.5),
    backbone=dict(type='slimmm.SlimmableResNet', depth=50, widths=widths,
                  norm_cfg=dict(type='BN'), zero_init_residual=True),
    neck=dict(mlp, in_channels=None, hid_channels=4096, out_channels=256),
    predictor=dict(mlp, in_channels=256, hid_channels=4096, out_channels=256,
                   with_avg_pool=False))
