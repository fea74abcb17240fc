# Mask R-CNN R-50-FPN with the slimmable ResNet cut to ONE width, SyncBN in
# the backbone and FPN, every layer (BN included) fine-tuned, as the slimmable
# SSL papers transfer (DSPNet A.4: "SyncBN is adopted in both backbone and
# FPN. We fine-tune all layers (including BN) end-to-end").
#
# The width is `model.backbone.width`; change it with
#   --cfg-options model.backbone.width=0.5
# and the FPN in_channels follow (slimmm.apis.derive_from_width reads them
# from the backbone at that width: 'from_backbone').
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'

default_scope = 'mmdet'
custom_imports = dict(imports=['slimmm'], allow_failed_imports=False)

# The slimmable pretrained checkpoint (whole model, backbone under
# 'backbone.'); tools/benchmarks/transfer.py --checkpoint overrides it.
checkpoint = 'work_dirs/pretrain/slimmable-r50.pth'
widths = [1.0, 0.75, 0.5, 0.25]
norm_cfg = dict(type='SyncBN', requires_grad=True)

model = dict(
    backbone=dict(
        _delete_=True,
        type='slimmm.SlimmableResNet',
        depth=50,
        widths=widths,
        width=1.0,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        init_cfg=dict(
            type='Pretrained', checkpoint=checkpoint, prefix='backbone.')),
    neck=dict(in_channels='from_backbone', norm_cfg=norm_cfg))
