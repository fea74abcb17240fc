# US3L's CIFAR pretraining schedule (Table 11): the ImageNet schedule's SGD
# (batch 512, lr 0.5, momentum 0.9, weight decay 1e-4 as group
# regularization) with cosine decay over 400 epochs.
_base_ = './us3l_sgd-coslr-100e.py'
max_epochs = 400
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
