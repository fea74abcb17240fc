# SlimCLR-MoCov3 linear evaluation (SlimCLR Sec. 4.1): batch 1024, 90 epochs,
# lr 0.4 with cosine decay; switchable heads + online distillation (tau_2 = 1).
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/imagenet_linear-probe.py',
    '../../_base_/schedules/linear-probe_sgd-coslr-90e.py',
    '../../_base_/probe_runtime.py',
]
model = dict(distill='mixed', distill_tau=1.0)
batch_size = 128  # x 8 GPUs = 1024
train_dataloader = dict(batch_size=batch_size)
val_dataloader = dict(batch_size=batch_size)
test_dataloader = val_dataloader
