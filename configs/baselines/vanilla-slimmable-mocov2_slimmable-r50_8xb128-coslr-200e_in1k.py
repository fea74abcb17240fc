# Baseline: vanilla slimmable SSL (SlimCLR Eq. 2): every width trains with
# its own InfoNCE from the first iteration; no distillation, no reweighting,
# no slow start.
_base_ = ['../slimclr/slimclr-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py']
model = dict(subnet_terms='infonce', loss_weight_manner=None,
             sampler=dict(_delete_=True, schedule='all'))
