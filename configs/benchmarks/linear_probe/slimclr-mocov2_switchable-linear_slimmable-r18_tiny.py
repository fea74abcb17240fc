# Tiny variant of the SlimCLR-MoCov2 switchable linear probe: ResNet-18
# [1.0, 0.75, 0.5, 0.25] on the built-in tiny data (10 classes, 56 px
# crops), same loss (switchable heads + online distillation, tau_2 = 1.0)
# and step schedule shape (SGD, /10 at 60% and 80%), CPU in about a minute.
#   python tools/train.py THIS --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_N.pth
#   python tools/test.py THIS work_dirs/<this>/epoch_10.pth
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/tiny-imagenet_linear-probe.py',
    '../../_base_/schedules/linear-probe_sgd-steplr-100e.py',
    '../../_base_/probe_runtime.py',
]
# BN before each linear head (as DSPNet's probe): a few hundred SGD steps on
# the un-normalised features of a briefly pretrained network barely move a
# plain linear layer; standardised features make the tiny run informative.
model = dict(backbone=dict(depth=18), num_classes={{_base_.num_classes}},
             distill='mixed', distill_tau=1.0, with_bn=True)
max_epochs = 10
# lr 60 is tuned for ImageNet batch 1024 and MoCo's feature scale; the tiny
# batch of 32 on briefly pretrained features needs a far smaller step.
optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = dict(milestones=[int(max_epochs * 0.6),
                                   int(max_epochs * 0.8)])
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=max_epochs))
auto_scale_lr = dict(base_batch_size={{_base_.batch_size}})
env_cfg = dict(dist_cfg=dict(backend='gloo'))
