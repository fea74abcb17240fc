# Tiny variant of the Table 3a ablation: one shared slimmable linear layer.
_base_ = './slimclr-mocov2_switchable-linear_slimmable-r18_tiny.py'
model = dict(head='slimmable')
