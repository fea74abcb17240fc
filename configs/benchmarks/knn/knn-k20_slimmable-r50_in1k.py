# kNN evaluation (DSPNet Appendix A.2: K = 20 nearest neighbours by cosine
# similarity on frozen pooled features) at every width of a slimmable
# ResNet-50; votes weighted by exp(sim / 0.07) (InstDisc protocol; set
# knn.temperature=None for DSPNet's plain majority vote). Nothing is trained:
#   python tools/benchmarks/knn_eval.py THIS --checkpoint PRETRAIN.pth
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/imagenet_linear-probe.py',
    '../../_base_/probe_runtime.py',
]
# The training split is the labelled bank (read with the test transforms;
# universally slimmable nets calibrate BN on it first), the test split the
# queries. mmengine sees a test-only config, so mmpretrain's tools/test.py
# runs it too (evaluating the untrained linear heads).
knn = dict(k=20, temperature=0.07, calibration_batches=10,
           bank_dataloader={{_base_.train_dataloader}})
train_dataloader = None
val_dataloader = None
val_evaluator = None
test_cfg = dict()
