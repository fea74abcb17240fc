# Tiny variant of the SlimCLR-MoCov3 probe (cosine schedule, distillation).
_base_ = '../../_base_/linear-probe_tiny.py'
model = dict(distill='mixed', distill_tau=1.0)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=0.0))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True,
                       T_max={{_base_.max_epochs}}, eta_min=0.0)
