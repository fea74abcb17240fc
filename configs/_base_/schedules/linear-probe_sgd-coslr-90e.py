# SlimCLR-MoCov3 linear evaluation (Sec. 4.1): lr 0.4 for a total batch of
# 1024 with cosine decay over 90 epochs (SGD momentum 0.9, no weight decay).
max_epochs = 90
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.4, momentum=0.9, weight_decay=0.0))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True,
                       T_max=max_epochs, eta_min=0.0)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=1024)
