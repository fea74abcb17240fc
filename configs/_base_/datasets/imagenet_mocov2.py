# ImageNet-1k, two MoCov2 views per image (SlimCLR-MoCov2 uses MoCov2's
# augmentations). Set data_root to your ImageNet (train/ + meta/train.txt).
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'
crop_size = 224
batch_size = 128  # per GPU: 8 x 128 = 1024 as in the paper
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
view_pipeline = [
    dict(type='RandomResizedCrop', scale=crop_size,
         crop_ratio_range=(0.2, 1.), backend='pillow'),
    dict(type='RandomApply', prob=0.8, transforms=[
        dict(type='slimmm.ColorJitter', brightness=0.4, contrast=0.4,
             saturation=0.4, hue=0.1)]),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0),
         magnitude_std='inf', prob=0.5),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    drop_last=True,
    persistent_workers=True,
    # slimmm.ExactResumeHook (in the runtime) seeds its augmentations by
    # (seed, epoch, index) and resumes it mid-epoch.
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
