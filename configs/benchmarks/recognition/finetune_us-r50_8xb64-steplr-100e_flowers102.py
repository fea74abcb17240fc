# Full fine-tuning of ONE width on flowers102 (US3L's code fine-tunes its
# transfer datasets at one width): the backbone built static at that width
# from the universal checkpoint (every parameter trained, BN in training
# mode), one linear classifier; SGD lr 0.1, weight decay 1e-4, 100 epochs,
# /10 at 60 and 80 (US3L's finetune configs). Another width is one
# override: --cfg-options model.backbone.width=0.5
_base_ = './linear_us-r50_8xb64-steplr-100e_flowers102.py'
model = dict(backbone=dict(width=1.0), widths=None, frozen_backbone=False)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-4))
