# US3L Table 6, CIFAR-10: the Flowers-102 protocol on mmpretrain's stock
# CIFAR10 under data/cifar10/ (the python-pickle batches), the 32 px images
# resized to the ImageNet-pretrained network's 224 (as US3L's code does).
_base_ = './linear_us-r50_8xb64-steplr-100e_flowers102.py'
model = dict(num_classes=10)
dataset = dict(type='CIFAR10', data_root='data/cifar10/')
# CIFAR yields arrays: no file to load.
train_pipeline = [
    dict(type='RandomResizedCrop', scale={{_base_.crop_size}},
         backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='Resize', scale={{_base_.crop_size}}, backend='pillow'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    dataset=dict(dataset, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(dataset, split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader
