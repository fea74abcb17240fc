# Tiny (CPU) version of mocov2_r50-w0.5_8xb128-coslr-200e_in1k.py.
_base_ = ['../slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py']
model = dict(backbone=dict(width=0.5))
