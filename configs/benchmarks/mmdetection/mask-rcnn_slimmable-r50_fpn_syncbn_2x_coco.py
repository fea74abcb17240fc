# DSPNet Fig. 6 (A.4): Mask R-CNN R-50-FPN, SyncBN in backbone and FPN, all
# layers fine-tuned, 2x schedule (180k iterations at batch 16 = 24 epochs,
# lr 0.02 divided by 10 at 16 and 22 epochs), training short edge sampled in
# [640, 800], test short edge 800.
_base_ = './_base_/mask-rcnn_slimmable-r50_fpn_syncbn-backbone-neck.py'

max_epochs = 24
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[16, 22], gamma=0.1)
]

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomChoiceResize',
         scales=[(1333, s) for s in range(640, 801, 32)], keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
