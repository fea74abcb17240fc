# Mask R-CNN over the universally slimmable ViT-Small cut to ONE width,
# ViTDet-style (Li et al. 2022, arXiv:2203.16527): the plain ViT's last
# block (stride 16) is the only backbone output and slimmm's
# SimpleFeaturePyramid makes strides 4-64 from it; 1024x1024 large-scale
# jitter, 100 epochs on COCO 2017 (mmdet's common/lsj-100e), a 4conv-1fc box
# head, two RPN convs and LayerNorm in neck and heads, AdamW at lr 1e-4,
# weight decay 0.1, batch 64 (16 GPUs x 4), as mmdet's ViTDet project.
# Differences from ViTDet, by design: every block attends globally (the
# universal ViT has no window attention or relative positions; its 224 px
# position embedding is interpolated to 64x64 tokens), and no layer-wise lr
# decay (0.7 in ViTDet; mmpretrain's LearningRateDecayOptimWrapperConstructor
# needs get_layer_depth on the whole model, which mmdet's MaskRCNN lacks).
# slimmm.MaskRCNN fills the neck's in_channels=None with the ViT's embedding
# at model.backbone.width (ViT-S x 0.5: 192).
#   python tools/benchmarks/transfer.py THIS_CONFIG --checkpoint CKPT \
#       --widths 1.0 0.75 0.5 0.25 --launcher pytorch --gpus 16
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::common/lsj-100e_coco-instance.py'
]
custom_imports = dict(imports=['slimmm'], allow_failed_imports=False)

# The universal ViT-Small pretraining checkpoint (whole model, backbone
# under 'backbone.'); tools/benchmarks/transfer.py --checkpoint overrides it.
checkpoint = 'work_dirs/pretrain/us-vit-small.pth'
image_size = (1024, 1024)
norm_cfg = dict(type='mmpretrain.LN2d', eps=1e-6, requires_grad=True)
model = dict(
    type='slimmm.MaskRCNN',
    data_preprocessor=dict(
        pad_size_divisor=32,
        # Every training batch padded to the LSJ crop: fixed-size inputs.
        batch_augments=[
            dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)
        ]),
    backbone=dict(
        _delete_=True,
        type='slimmm.SlimmableViT',
        arch='small',
        img_size=224,
        patch_size=16,
        head_slicing='dims',
        width_range=(0.25, 1.0),
        width=1.0,
        out_type='featmap',
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint,
                      prefix='backbone.')),
    neck=dict(
        _delete_=True,
        type='slimmm.SimpleFeaturePyramid',
        in_channels=None,
        out_channels=256,
        num_outs=5,
        norm_cfg=norm_cfg),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', conv_out_channels=256,
                       norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))

train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=True))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                   weight_decay=0.1),
    # No decay on the norms, the position embedding and the class token.
    paramwise_cfg=dict(
        norm_decay_mult=0.,
        custom_keys={
            'backbone.pos_embed': dict(decay_mult=0.),
            'backbone.cls_token': dict(decay_mult=0.)
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=250),
    dict(type='MultiStepLR', begin=0, end={{_base_.max_epochs}},
         by_epoch=True, milestones=[22, 24], gamma=0.1)
]

# slimmm's exact --resume and checkpoints that no kill loses, as every
# detection recipe.
custom_hooks = [dict(type='slimmm.ExactResumeHook')]
