# Baseline: individual MoCov2 of one width (0.5 here; set
# model.backbone.width to 1.0 / 0.75 / 0.25 for the others). The backbone is
# built static (plain layers); the same algorithm then trains one network.
_base_ = ['../slimclr/slimclr-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py']
model = dict(backbone=dict(width=0.5))
