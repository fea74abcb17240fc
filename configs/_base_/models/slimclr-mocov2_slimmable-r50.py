# SlimCLR-MoCov2 on a slimmable ResNet-50 [1.0, 0.75, 0.5, 0.25]: InfoNCE
# (tau1 0.2) against a 65536 x 128 queue, online distillation (tau2 5.0),
# reweighting manner (1), slow start at half of training.
widths = [1.0, 0.75, 0.5, 0.25]
model = dict(
    type='slimmm.SlimCLRMoCoV2',
    queue_len=65536,
    feat_dim=128,
    momentum=0.001,  # m = 0.999
    temperature=0.2,
    distill_temperature=5.0,
    loss_weight_manner=1,
    subnet_terms='both',
    sampler=dict(schedule='slow_start', slow_start=0.5),
    backbone=dict(type='slimmm.SlimmableResNet', depth=50, widths=widths,
                  norm_cfg=dict(type='BN'), zero_init_residual=False),
    # in_channels=None: follows the backbone output at the current width.
    neck=dict(type='slimmm.SlimmableMoCoV2Neck', in_channels=None,
              hid_channels=2048, out_channels=128))
