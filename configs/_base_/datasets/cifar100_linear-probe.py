# CIFAR-100 for linear evaluation as US3L runs it: random resized crop
# (0.08, 1) + flip at 32 px for training, the 32 px image for testing;
# mmpretrain's stock CIFAR100 under data/cifar100/.
dataset_type = 'CIFAR100'
data_root = 'data/cifar100/'
crop_size = 32
batch_size = 512
num_classes = 100
train_pipeline = [
    dict(type='RandomResizedCrop', scale=crop_size, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
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
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='slimmm.PerWidthAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
