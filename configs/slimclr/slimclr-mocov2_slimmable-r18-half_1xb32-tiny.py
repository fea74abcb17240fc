# The main job's pretraining: slimclr-mocov2_slimmable-r18_1xb32-tiny.py on
# a ResNet-18 with half the channels (stem and stage 1: 32 instead of 64),
# widths [1.0, 0.75, 0.5, 0.25] of it. A quarter of the compute per step,
# spent on many more epochs (90: the frozen probe of every width then
# beats the random network's by 9 to 16 points, docs/notes/benchmarks.md);
# the architecture and the algorithm are unchanged.
#   python tools/train.py THIS
_base_ = './slimclr-mocov2_slimmable-r18_1xb32-tiny.py'
model = dict(backbone=dict(stem_channels=32, base_channels=32),
             neck=dict(hid_channels=256))
crop_size = 32
view_pipeline = [
    dict(type='RandomResizedCrop', scale=crop_size,
         crop_ratio_range=(0.5, 1.), backend='pillow'),
    # The tiny classes are outlines whose colour is random: hue jitter and
    # grayscale make colour useless for telling two images apart, so the
    # features keep the shape. (slimmm.ColorJitter: mmpretrain's, with a
    # hue shift that works on numpy 2.)
    dict(type='RandomApply', prob=0.8, transforms=[
        # OpenCV's colour operations: a third faster than pillow's on
        # these small views, in the loader worker that keeps up with the
        # network.
        dict(type='slimmm.ColorJitter', brightness=0.4, contrast=0.4,
             saturation=0.4, hue=0.2, backend='cv2')]),
    dict(type='RandomGrayscale', prob=0.3, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='RandomFlip', prob=0.5),
]
# One loader worker: making the 64 views of a batch takes as long as the
# step of the small network, and a worker does it during the step (with
# one torch thread on 2 cores, an iteration takes 0.12 s instead of 0.19 s).
train_dataloader = dict(
    num_workers=1,
    persistent_workers=True,
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
        dict(type='PackInputs'),
    ]))
max_epochs = 90
warmup_epochs = 2
optim_wrapper = dict(optimizer=dict(lr=0.06))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=12),
                     checkpoint=dict(interval=20, max_keep_ckpts=5))
