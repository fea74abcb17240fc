# kNN (K = 20, cosine, temperature-weighted votes) at every width of a
# slimmable ResNet-18 on the built-in tiny data; CPU, seconds.
#   python tools/benchmarks/knn_eval.py THIS --checkpoint PRETRAIN.pth
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/tiny-imagenet_linear-probe.py',
    '../../_base_/probe_runtime.py',
]
model = dict(backbone=dict(depth=18), num_classes={{_base_.num_classes}})
# The training split is the labelled bank, the test split the queries (see
# knn-k20_slimmable-r50_in1k.py).
knn = dict(k=20, temperature=0.07, calibration_batches=4,
           bank_dataloader={{_base_.train_dataloader}})
train_dataloader = None
val_dataloader = None
val_evaluator = None
test_cfg = dict()
