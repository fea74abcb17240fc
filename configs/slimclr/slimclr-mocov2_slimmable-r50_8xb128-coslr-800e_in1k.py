# SlimCLR-MoCov2, 800 epochs (slow start S = 400 follows from the sampler's
# fraction of training).
_base_ = ['./slimclr-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py']
train_cfg = dict(max_epochs=800)
