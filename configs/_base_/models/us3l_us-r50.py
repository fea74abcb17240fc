# US3L on a universally slimmable ResNet-50 (any width in [0.25, 1.0]):
# InfoNCE base loss (tau 0.5) against a momentum encoder (m = 0.99), MSE
# distillation of the sampled sub-networks through an auxiliary MLP head,
# dynamic sampling (Algorithm 1). Projector dimension 2048 (Table 11).
width_range = (0.25, 1.0)
feat_dim = 2048
model = dict(
    type='slimmm.US3L',
    temperature=0.5,
    momentum=0.01,  # 1 - m, m = 0.99
    sampler=dict(schedule='dynamic_sampling',
                 min_widths=(0.75, 0.5, 0.25), max_only=0.25),
    # channel_rule='layer': every layer rounds its own channels, as US3L's
    # us_resnet does, so a width such as 0.6 is US3L's network.
    backbone=dict(type='slimmm.SlimmableResNet', depth=50,
                  width_range=width_range, channel_rule='layer',
                  norm_cfg=dict(type='BN')),
    # in_channels=None: follows the backbone output at the current width.
    neck=dict(type='slimmm.SlimmableMLPNeck', in_channels=None,
              hid_channels=2048, out_channels=feat_dim, with_bn=True),
    # g in Eq. 3: a SimSiam-style bottleneck predictor on the projection.
    distill_head=dict(type='slimmm.SlimmableMLPNeck', in_channels=feat_dim,
                      hid_channels=512, out_channels=feat_dim, with_bn=True,
                      with_avg_pool=False))
