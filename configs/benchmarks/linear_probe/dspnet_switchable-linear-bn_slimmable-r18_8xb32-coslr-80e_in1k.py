# DSPNet linear evaluation (Appendix A.2, BYOL protocol): a BN layer before
# each width's linear classifier, SGD momentum 0.9, lr 0.2 for batch 256,
# cosine over 80 epochs. DSPNet trains one classifier per network; here all
# widths' classifiers are trained in one run (independent heads, no
# distillation, so each head sees exactly its own width's loss).
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/imagenet_linear-probe.py',
    '../../_base_/schedules/linear-probe_sgd-coslr-80e.py',
    '../../_base_/probe_runtime.py',
]
model = dict(backbone=dict(depth=18), with_bn=True, distill=None)
batch_size = 32  # x 8 GPUs = 256
train_dataloader = dict(batch_size=batch_size)
val_dataloader = dict(batch_size=batch_size)
test_dataloader = val_dataloader
