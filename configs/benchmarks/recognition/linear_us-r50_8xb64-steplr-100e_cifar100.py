# US3L Table 6, CIFAR-100: the CIFAR-10 protocol on mmpretrain's stock
# CIFAR100 under data/cifar100/.
_base_ = './linear_us-r50_8xb64-steplr-100e_cifar10.py'
model = dict(num_classes=100)
dataset = dict(type='CIFAR100', data_root='data/cifar100/')
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader
