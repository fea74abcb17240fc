# DSPNet semi-supervised evaluation (Appendix A.3): as the linear protocol
# (A.2: SGD momentum 0.9, cosine decay) with lr 0.02 for the classifier and
# 50 epochs. Fine-tuning configs add a backbone lr of 0.001 (lr_mult 0.05).
max_epochs = 50
head_lr = 0.02
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=head_lr, momentum=0.9, weight_decay=0.0))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True,
                       T_max=max_epochs, eta_min=0.0)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256)
