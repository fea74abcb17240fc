# Tiny (CPU) version of
# snet-inplace-distill-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py.
_base_ = ['../slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py']
model = dict(subnet_terms='distill', loss_weight_manner=None,
             distill_temperature=1.0,
             sampler=dict(_delete_=True, schedule='all'))
