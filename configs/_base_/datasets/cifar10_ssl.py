# CIFAR-10 for self-supervised pretraining (US3L Table 3, ViT): the
# CIFAR-100 pipeline on mmpretrain's stock CIFAR10 under data/cifar10/.
_base_ = './cifar100_ssl.py'
dataset_type = 'CIFAR10'
data_root = 'data/cifar10/'
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
