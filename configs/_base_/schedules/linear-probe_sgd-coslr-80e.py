# DSPNet linear evaluation (Appendix A.2, BYOL protocol): lr 0.2 for a batch
# of 256, SGD momentum 0.9, cosine decay over 80 epochs.
max_epochs = 80
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=0.0))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True,
                       T_max=max_epochs, eta_min=0.0)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256)
