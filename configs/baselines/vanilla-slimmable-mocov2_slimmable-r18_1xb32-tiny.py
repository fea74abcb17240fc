# Tiny (CPU) version of
# vanilla-slimmable-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py.
_base_ = ['../slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py']
model = dict(subnet_terms='infonce', loss_weight_manner=None,
             sampler=dict(_delete_=True, schedule='all'))
# Four unit-weighted InfoNCE terms from the first iteration put about four
# times the gradient of one width on the shared weights: at SlimCLR's tiny
# lr 0.03 this run stays at chance (16.63 = 4 log 65 throughout), at 0.01
# it falls (16.4 -> 15.8 from epoch 2 to 8).
optim_wrapper = dict(optimizer=dict(lr=0.01))
