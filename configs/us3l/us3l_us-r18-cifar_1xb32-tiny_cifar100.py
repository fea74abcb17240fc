# US3L on the built-in tiny CIFAR-100 (the stock files' format, drawn
# shapes in 10 of the 100 classes; slimmm.TinyCIFAR100 writes them on first
# use): the CIFAR-100 recipe's network at a quarter of the channels (the
# CIFAR stem keeps 32 px in stage 1), batch 32,
# 8 epochs, one CPU process.
#   python tools/train.py configs/us3l/us3l_us-r18-cifar_1xb32-tiny_cifar100.py
_base_ = './us3l_us-r18-cifar_1xb512-coslr-400e_cifar100.py'
data_root = 'data/tiny_cifar100/'
feat_dim = 128
model = dict(
    backbone=dict(stem_channels=16, base_channels=16),
    neck=dict(hid_channels=256, out_channels=feat_dim),
    distill_head=dict(in_channels=feat_dim, hid_channels=128,
                      out_channels=feat_dim))
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,  # mmpretrain train.py defaults to True
    dataset=dict(type='slimmm.TinyCIFAR100', data_root=data_root))
max_epochs = 8
optim_wrapper = dict(optimizer=dict(lr=0.1))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(logger=dict(interval=4),
                     checkpoint=dict(interval=max_epochs))
