# Baseline: S-Net + inplace distillation: the full network trains with
# InfoNCE, every sub-network only mimics the full network's probabilities
# (Eq. 4-5 at tau2 = 1); all widths from the start, unit weights.
_base_ = ['../slimclr/slimclr-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py']
model = dict(subnet_terms='distill', loss_weight_manner=None,
             distill_temperature=1.0,
             sampler=dict(_delete_=True, schedule='all'))
