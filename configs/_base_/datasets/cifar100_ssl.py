# CIFAR-100 for self-supervised pretraining as US3L runs it (Table 11): two
# views of each 32 px image (random resized crop, colour jitter, grayscale,
# flip), mmpretrain's stock CIFAR100 dataset (the python-pickle files of
# cifar-100-python.tar.gz under data/cifar100/cifar-100-python/).
dataset_type = 'CIFAR100'
data_root = 'data/cifar100/'
crop_size = 32
batch_size = 512  # one GPU (US3L: batch 512)
# CIFAR's mean / std; the dataset yields RGB arrays (no to_rgb).
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=False)
view_pipeline = [
    dict(type='RandomResizedCrop', scale=crop_size,
         crop_ratio_range=(0.2, 1.), backend='pillow'),
    dict(type='RandomApply', prob=0.8, transforms=[
        dict(type='ColorJitter', brightness=0.4, contrast=0.4,
             saturation=0.4, hue=0.1)]),
    # RGB arrays: the luma weights in R, G, B order.
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.2989, 0.587, 0.114)),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=8,
    persistent_workers=True,
    drop_last=True,
    # slimmm.ExactResumeHook (in the runtime) seeds its augmentations by
    # (seed, epoch, index) and resumes it mid-epoch.
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
