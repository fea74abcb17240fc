# The built-in tiny ImageNet-layout data (drawn shapes, 64 px), two MoCov2
# views cropped to 32 px, for CPU runs. Generate it with
#   python tools/dataset_converters/make_tiny_data.py imagenet \
#       --out data/tiny_imagenet
# mmpretrain's CustomDataset that generates the tiny data on first use.
dataset_type = 'slimmm.TinyImageNetDataset'
data_root = 'data/tiny_imagenet/'
crop_size = 32
batch_size = 32
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
view_pipeline = [
    # Milder crops than ImageNet's (0.2, 1): with 400 images and about a
    # hundred steps, (0.3, 1) keeps the InfoNCE at chance level, (0.6, 1)
    # lets it fall within the run.
    dict(type='RandomResizedCrop', scale=crop_size,
         crop_ratio_range=(0.6, 1.), backend='pillow'),
    # No hue jitter: the tiny classes are told apart by shape and stripe
    # texture, and colour is already random per image.
    dict(type='RandomApply', prob=0.8, transforms=[
        dict(type='ColorJitter', brightness=0.4, contrast=0.4,
             saturation=0.4, hue=0.)]),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    persistent_workers=False,  # mmpretrain train.py defaults to True
    drop_last=True,
    # slimmm.ExactResumeHook (in the runtime) seeds its augmentations by
    # (seed, epoch, index) and resumes it mid-epoch.
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix='train', with_label=False,
                 pipeline=train_pipeline))
