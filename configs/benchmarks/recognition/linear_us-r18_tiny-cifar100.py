# The CIFAR-100 linear transfer on the built-in tiny CIFAR-100
# (slimmm.TinyCIFAR100, written on first use).
_base_ = './linear_us-r18_tiny-cifar10.py'
model = dict(num_classes=100)
tiny = dict(type='slimmm.TinyCIFAR100', data_root='data/tiny_cifar100/')
train_dataloader = dict(dataset=tiny)
val_dataloader = dict(dataset=tiny)
test_dataloader = val_dataloader
