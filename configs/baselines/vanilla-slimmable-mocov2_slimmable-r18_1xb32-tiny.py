# Tiny (CPU) version of vanilla-slimmable-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py.
_base_ = ['../slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py']
model = dict(subnet_terms='infonce', loss_weight_manner=None,
             sampler=dict(_delete_=True, schedule='all'))
