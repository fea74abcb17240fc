# The built-in tiny ImageNet-layout data (slimmm.datasets.make_tiny_imagenet:
# 10 classes of drawn shapes, 64 px) for CPU runs of the probe protocols.
# Generate it with
#   python tools/dataset_converters/make_tiny_data.py imagenet \
#       --out data/tiny_imagenet
# mmpretrain's CustomDataset that generates the tiny data on first use.
dataset_type = 'slimmm.TinyImageNetDataset'
data_root = 'data/tiny_imagenet/'
crop_size = 32
batch_size = 32
num_classes = 10
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=crop_size,
         crop_ratio_range=(0.5, 1.0), backend='pillow'),
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
    num_workers=0,
    persistent_workers=False,  # mmpretrain train.py defaults to True
    # slimmm.ExactResumeHook (in the runtime) seeds its augmentations by
    # (seed, epoch, index) and resumes it mid-epoch.
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix='train', with_label=True,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    persistent_workers=False,  # mmpretrain train.py defaults to True
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='val',
                 with_label=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='slimmm.PerWidthAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
