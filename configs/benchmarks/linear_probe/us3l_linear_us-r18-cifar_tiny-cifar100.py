# Tiny variant of the US3L CIFAR-100 probe, on the built-in tiny CIFAR-100
# (generated on first use) and the network of
# configs/us3l/us3l_us-r18-cifar_1xb32-tiny_cifar100.py: nine widths, BN
# recalibrated per width (4 training batches), 10 epochs, CPU.
# The checkpoint defaults to that config's last one in its default work_dir:
#   python tools/train.py configs/us3l/us3l_us-r18-cifar_1xb32-tiny_cifar100.py
#   python tools/train.py THIS   [--cfg-options \
#       model.backbone.init_cfg.checkpoint=CKPT]
_base_ = './us3l_linear_us-r18-cifar_1xb512-steplr-100e_cifar100.py'
data_root = 'data/tiny_cifar100/'
batch_size = 32
model = dict(backbone=dict(
    stem_channels=16, base_channels=16,
    init_cfg=dict(checkpoint='work_dirs/us3l_us-r18-cifar_1xb32-tiny_cifar100/'
                  'epoch_8.pth')))
train_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False,
    dataset=dict(type='slimmm.TinyCIFAR100', data_root=data_root))
val_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False,
    dataset=dict(type='slimmm.TinyCIFAR100', data_root=data_root))
test_dataloader = val_dataloader
max_epochs = 10
# lr 30 is tuned for batch 512 on 400 pretraining epochs; the tiny run needs
# a far smaller step.
optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = dict(milestones=[int(max_epochs * 0.6),
                                   int(max_epochs * 0.8)])
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
custom_hooks = [
    dict(type='slimmm.CalibrateBNHook', num_batches=4),
    dict(type='slimmm.ExactResumeHook'),
    dict(type='slimmm.WidthReportHook'),
]
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=max_epochs))
auto_scale_lr = dict(base_batch_size=batch_size)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
