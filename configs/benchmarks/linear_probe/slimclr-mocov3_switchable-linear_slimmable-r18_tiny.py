# Tiny variant of the SlimCLR-MoCov3 probe (cosine schedule, distillation).
_base_ = '../../_base_/linear-probe_tiny.py'
model = dict(distill='mixed', distill_tau=1.0)
