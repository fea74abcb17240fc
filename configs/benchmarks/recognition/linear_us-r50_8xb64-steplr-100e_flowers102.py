# US3L Table 6: how every width of an ImageNet-pretrained universally
# slimmable ResNet-50 transfers to Flowers-102 under linear evaluation. The
# backbone is frozen, BN recalibrated per width on training batches, one
# linear classifier per width, all trained in one run (as the ImageNet
# probe). US3L appendix A: 100 epochs, lr 30 divided by 10 at epochs 60 and
# 80 (SGD, momentum 0.9, no weight decay); US3L's code: batch 64 per GPU,
# random resized crop 224 (0.08, 1) + flip, test resize 256 / center 224.
# mmpretrain's stock Flowers102 under data/flowers102/ (jpg/,
# imagelabels.mat, setid.mat); trainval to train, test to evaluate.
#   bash tools/dist_train.sh THIS 8 --cfg-options \
#       model.backbone.init_cfg.checkpoint=US3L_R50.pth
# Every dataset and width in one table:
#   python tools/benchmarks/recognition_transfer.py US3L_R50.pth
_base_ = [
    '../../_base_/models/switchable-linear-probe.py',
    '../../_base_/probe_runtime.py',
]
eval_widths = [1.0, 0.75, 0.5, 0.25]
num_classes = 102
model = dict(
    backbone=dict(widths=None, width_range=(0.25, 1.0),
                  channel_rule='layer'),
    widths=eval_widths,
    num_classes=num_classes)
dataset_type = 'Flowers102'
data_root = 'data/flowers102/'
train_split, test_split = 'trainval', 'test'
crop_size = 224
batch_size = 64  # per GPU, 8 GPUs
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=crop_size, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=crop_size * 8 // 7, edge='short',
         backend='pillow'),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split=train_split,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split=test_split,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='slimmm.PerWidthAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
max_epochs = 100
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=30.0, momentum=0.9, weight_decay=0.0))
param_scheduler = dict(type='MultiStepLR', by_epoch=True,
                       milestones=[60, 80], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=512)
