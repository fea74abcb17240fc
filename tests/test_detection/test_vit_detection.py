"""The universal ViT per width in a ViTDet-style Mask R-CNN: the neck
follows the ViT's embedding at every width, the tiny detector trains, and a
width exports to mmpretrain's VisionTransformer and mmdet's MaskRCNN,
loading strictly and computing the same features."""
import copy
import os.path as osp
import runpy
import sys

import pytest
import torch
from det_helpers import DET_CONFIGS, REPO
from mmengine.config import ConfigDict

from slimmm.apis import load_config
from slimmm.models.detectors import match_neck_to_backbone
from slimmm.models.export import (build_backbone, export_width,
                                  plain_detector_config)
from slimmm.models.ops import using_width

VIT_S = osp.join(DET_CONFIGS,
                 'mask-rcnn_us-vit-small_simple-fpn_16xb4-lsj-100e_coco.py')
VIT_TINY = osp.join(DET_CONFIGS,
                    'mask-rcnn_us-vit-tiny_simple-fpn_tiny-coco.py')


def _mmdet_models():
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    return MODELS


def test_recipe_and_neck_channels_per_width():
    cfg = load_config(VIT_S, {'model.backbone.width': 0.5,
                              'model.backbone.init_cfg': None})
    detector = _mmdet_models().build(copy.deepcopy(cfg.model))
    assert detector.backbone.embed_dims_at(0.5) == 192
    assert detector.neck.in_channels == 192
    assert detector.neck.lateral_convs[2].conv.in_channels == 192
    for width in (1.0, 0.75, 0.5, 0.25, 0.4):
        backbone = dict(cfg.model.backbone, width=width)
        neck = match_neck_to_backbone(backbone, cfg.model.neck)
        # ViT-S: 384 channels, rounded to a multiple of its 6 heads.
        assert neck['in_channels'] == [6 * round(384 * width / 6)]
    backbone = cfg.model.backbone
    assert backbone.out_type == 'featmap'
    assert cfg.model.neck.type == 'slimmm.SimpleFeaturePyramid'
    assert cfg.model.neck.norm_cfg['type'] == 'mmpretrain.LN2d'
    assert cfg.model.data_preprocessor.batch_augments[0].size == (1024, 1024)
    assert cfg.train_dataloader.dataset.type == 'RepeatDataset'
    assert cfg.train_dataloader.dataset.times * cfg.train_cfg.max_epochs \
        == 100
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert cfg.optim_wrapper.optimizer.weight_decay == 0.1


def _batch(num_images=2, size=96, num_classes=4):
    """Images and two annotated objects (box and mask) per image."""
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData
    gen = torch.Generator().manual_seed(0)
    samples = []
    for index in range(num_images):
        boxes = torch.tensor([[8., 8., 40., 48.], [50., 30., 90., 70.]])
        masks = torch.zeros(2, size, size, dtype=torch.uint8)
        for k, (x1, y1, x2, y2) in enumerate(boxes.long().tolist()):
            masks[k, y1:y2, x1:x2] = 1
        shape = (size, size)
        sample = DetDataSample(metainfo=dict(
            img_shape=shape, ori_shape=shape, pad_shape=shape,
            batch_input_shape=shape, scale_factor=(1., 1.)))
        labels = torch.tensor([index, 3 - index]) % num_classes
        sample.gt_instances = InstanceData(
            bboxes=boxes, labels=labels,
            masks=BitmapMasks(masks.numpy(), size, size))
        samples.append(sample)
    return torch.randn(num_images, 3, size, size, generator=gen), samples


def test_tiny_detector_trains_and_exports_to_stock_mask_rcnn(
        tmp_path, monkeypatch):
    models = _mmdet_models()
    cfg = load_config(VIT_TINY, {'model.backbone.width': 0.5,
                                 'model.backbone.init_cfg': None})
    torch.manual_seed(0)
    detector = models.build(copy.deepcopy(cfg.model))
    detector.init_weights()
    assert detector.backbone.is_static
    assert detector.neck.in_channels == 96  # ViT-Tiny's 192 x 0.5
    inputs, samples = _batch()
    total, log_vars = detector.parse_losses(
        detector.loss(inputs, samples))
    assert {'loss_rpn_cls', 'loss_cls', 'loss_mask'} <= set(log_vars)
    assert torch.isfinite(total) and total > 0
    total.backward()
    for param in (detector.backbone.patch_embed.projection.weight,
                  detector.neck.resamplers[0][0].weight):
        assert param.grad is not None and param.grad.abs().sum() > 0

    # The fine-tuned width through the export tool, as a user runs it.
    checkpoint, out = tmp_path / 'vitdet.pth', tmp_path / 'vitdet_w0.5.pth'
    torch.save({'state_dict': detector.state_dict()}, str(checkpoint))
    tool = osp.join(REPO, 'tools', 'model_converters', 'export_width.py')
    monkeypatch.setattr(sys, 'argv', [
        tool, str(checkpoint), '--width', '0.5', '--out', str(out),
        '--config', VIT_TINY, '--cfg-options', 'model.backbone.width=0.5'])
    runpy.run_path(tool, run_name='__main__')
    exported = torch.load(str(out), map_location='cpu', weights_only=False)
    plain = exported['meta']['plain_config']
    assert plain == plain_detector_config(cfg.model)
    assert plain['type'] == 'MaskRCNN'
    assert plain['backbone']['type'] == 'mmpretrain.VisionTransformer'
    assert plain['backbone']['out_type'] == 'featmap'
    assert plain['neck']['in_channels'] == [96]
    stock = models.build(ConfigDict(plain))
    stock.load_state_dict(exported['state_dict'], strict=True)
    detector.eval(), stock.eval()
    with torch.no_grad():
        for got, want in zip(stock.extract_feat(inputs),
                             detector.extract_feat(inputs)):
            assert torch.equal(got, want)


def test_universal_vit_width_loads_into_stock_vit_featmap():
    """A width of the pretrained universal ViT (the detector's starting
    point) is mmpretrain's VisionTransformer with out_type='featmap',
    equal on a non-square, non-224 input (interpolated positions)."""
    from mmpretrain.registry import MODELS
    cfg = load_config(VIT_TINY)
    slim = build_backbone(dict(cfg.model.backbone, width=None))
    slim.init_weights()
    slim.eval()
    exported = export_width(slim, 0.5)
    stock = MODELS.build(exported['meta']['plain_config'])
    stock.load_state_dict(exported['state_dict'], strict=True)
    stock.eval()
    x = torch.randn(1, 3, 64, 128)
    with torch.no_grad(), using_width(slim, 0.5):
        want, = slim(x)
    with torch.no_grad():
        got, = stock(x)
    assert got.shape == want.shape == (1, 96, 4, 8)
    assert (got - want).abs().max() <= 1e-5


def test_only_per_width_slimmm_detectors_export():
    stock = dict(type='MaskRCNN', backbone=dict(type='ResNet', depth=18),
                 neck=dict(type='FPN'))
    with pytest.raises(ValueError, match="'MaskRCNN'.*not a per-width"):
        plain_detector_config(stock)
