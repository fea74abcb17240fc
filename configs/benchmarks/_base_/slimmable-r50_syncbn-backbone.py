# The slimmable ResNet-50 cut to ONE width with SyncBN, shared by the
# detection (mmdetection/) and semantic segmentation (mmsegmentation/)
# transfer recipes. Used next to a stock mmdet / mmseg base (two bases may
# not share a key, hence the slimmable_ names); the config writes
#   model = dict(backbone={{_base_.slimmable_backbone}}, ...)
# The width is `model.backbone.width` (--cfg-options model.backbone.width=0.5);
# the detector (slimmm.MaskRCNN, ...) or segmentor (slimmm.EncoderDecoder)
# derives the in_channels of what reads the backbone at build time.
custom_imports = dict(imports=['slimmm'], allow_failed_imports=False)

# The slimmable pretrained checkpoint (whole model, backbone under
# 'backbone.'); tools/benchmarks/transfer.py --checkpoint overrides it.
checkpoint = 'work_dirs/pretrain/slimmable-r50.pth'
widths = [1.0, 0.75, 0.5, 0.25]
slimmable_norm_cfg = dict(type='SyncBN', requires_grad=True)
slimmable_backbone = dict(
    _delete_=True,
    type='slimmm.SlimmableResNet',
    depth=50,
    widths=widths,
    width=1.0,
    out_indices=(0, 1, 2, 3),
    frozen_stages=-1,
    norm_cfg=slimmable_norm_cfg,
    norm_eval=False,
    init_cfg=dict(type='Pretrained', checkpoint=checkpoint,
                  prefix='backbone.'))
