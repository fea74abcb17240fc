# SlimCLR-MoCov2 linear evaluation (SlimCLR Sec. 4.1): frozen ResNet-50
# [1.0, 0.75, 0.5, 0.25], one linear layer per width, online distillation
# from the full width (tau_2 = 1.0), batch 1024, lr 60, /10 at 60 and 80.
#   python tools/train.py THIS --cfg-options \
#       model.backbone.init_cfg.checkpoint=PRETRAIN.pth
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/imagenet_linear-probe.py',
    '../../_base_/schedules/linear-probe_sgd-steplr-100e.py',
    '../../_base_/probe_runtime.py',
]
model = dict(distill='mixed', distill_tau=1.0)
batch_size = 128  # x 8 GPUs = 1024
train_dataloader = dict(batch_size=batch_size)
val_dataloader = dict(batch_size=batch_size)
test_dataloader = val_dataloader
