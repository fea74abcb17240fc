# ImageNet for linear evaluation (MoCo / SimCLR protocol): random resized
# crop + flip for training, resize 256 / center crop 224 for validation.
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'
crop_size = 224
batch_size = 256  # per GPU
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
    # slimmm.ExactResumeHook (in the runtime) seeds its augmentations by
    # (seed, epoch, index) and resumes it mid-epoch.
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='slimmm.PerWidthAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
