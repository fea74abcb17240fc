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
knn = dict(k=20, temperature=0.07, calibration_batches=10)
