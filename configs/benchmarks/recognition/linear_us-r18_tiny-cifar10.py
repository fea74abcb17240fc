# The CIFAR-10 linear transfer on the built-in tiny CIFAR-10
# (slimmm.TinyCIFAR10, the stock pickle files, written on first use), at
# the images' 32 px.
_base_ = './linear_us-r18_tiny-flowers102.py'
model = dict(num_classes=10)
tiny = dict(type='slimmm.TinyCIFAR10', data_root='data/tiny_cifar10/')
train_pipeline = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.5, 1.0),
         backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(
    tiny, split='train', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    tiny, split='test', pipeline=[dict(type='PackInputs')]))
test_dataloader = val_dataloader
