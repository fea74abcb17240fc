# US3L ImageNet linear evaluation "follows SimSiam" (US3L Appendix, training
# details): LARS, base lr 0.02 per 256 images (0.32 for batch 4096), momentum
# 0.9, no weight decay, cosine decay over 90 epochs.
max_epochs = 90
base_lr, base_batch = 0.02, 256
total_batch = 4096
optim_wrapper = dict(
    optimizer=dict(type='LARS', lr=base_lr * total_batch / base_batch,
                   momentum=0.9, weight_decay=0.0))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True,
                       T_max=max_epochs, eta_min=0.0)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=total_batch)
