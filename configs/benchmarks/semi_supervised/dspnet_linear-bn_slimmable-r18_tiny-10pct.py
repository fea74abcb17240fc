# Tiny variant of the semi-supervised linear protocol: the built-in tiny
# data, 10% of its labels (4 images per class). Write the subset first:
#   python tools/dataset_converters/make_label_subset.py \
#       --ann-file data/tiny_imagenet/meta/train.txt --fraction 0.1 \
#       --out data/tiny_imagenet/meta/train_10pct_seed0.txt
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/datasets/tiny-imagenet_linear-probe.py',
    '../../_base_/schedules/semi-supervised_sgd-coslr-50e.py',
    '../../_base_/probe_runtime.py',
]
label_fraction = 0.1
model = dict(backbone=dict(depth=18), num_classes={{_base_.num_classes}},
             with_bn=True)
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        _delete_=True,
        type='slimmm.LabelSubsetDataset',
        data_root={{_base_.data_root}},
        ann_file=f'meta/train_{round(label_fraction * 100)}pct_seed0.txt',
        data_prefix='train',
        pipeline={{_base_.train_pipeline}}))
max_epochs = 10
optim_wrapper = dict(optimizer=dict(lr=0.1))
param_scheduler = dict(T_max=max_epochs)
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(logger=dict(interval=5),
                     checkpoint=dict(interval=max_epochs))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
