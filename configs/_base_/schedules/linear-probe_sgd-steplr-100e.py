# SlimCLR-MoCov2 linear evaluation (Sec. 4.1): SGD momentum 0.9, no weight
# decay, lr 60 for a total batch of 1024, divided by 10 at epochs 60 and 80.
max_epochs = 100
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=60.0, momentum=0.9, weight_decay=0.0))
param_scheduler = dict(type='MultiStepLR', by_epoch=True,
                       milestones=[int(max_epochs * 0.6),
                                   int(max_epochs * 0.8)], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=1024)
