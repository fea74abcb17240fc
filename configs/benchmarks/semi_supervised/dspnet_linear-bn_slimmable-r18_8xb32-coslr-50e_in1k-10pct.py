# Semi-supervised linear evaluation (DSPNet Appendix A.3 / Tab. 1b): a BN +
# linear classifier per width on frozen features, trained on a 10% labelled
# subset of ImageNet (lr 0.02, 50 epochs, cosine). Write the subset first:
#   python tools/dataset_converters/make_label_subset.py \
#       --ann-file data/imagenet/meta/train.txt --fraction 0.1 --seed 0 \
#       --out data/imagenet/meta/train_10pct_seed0.txt
#   python tools/train.py THIS --cfg-options \
#       model.backbone.init_cfg.checkpoint=PRETRAIN.pth
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/imagenet_linear-probe.py',
    '../../_base_/schedules/semi-supervised_sgd-coslr-50e.py',
    '../../_base_/probe_runtime.py',
]
label_fraction = 0.1
subset_file = f'meta/train_{round(label_fraction * 100)}pct_seed0.txt'
model = dict(backbone=dict(depth=18), with_bn=True)
batch_size = 32  # x 8 GPUs = 256
train_dataloader = dict(
    batch_size=batch_size,
    dataset=dict(
        _delete_=True,
        type='slimmm.LabelSubsetDataset',
        data_root={{_base_.data_root}},
        ann_file=subset_file,
        data_prefix='train',
        pipeline={{_base_.train_pipeline}}))
