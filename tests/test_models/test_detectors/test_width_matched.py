"""slimmm.MaskRCNN / slimmm.FasterRCNN: mmdet's detectors whose FPN
in_channels follow the slimmm backbone's width at build time."""
import copy

import pytest
from mmengine.config import Config

from slimmm.models.detectors import (backbone_feature_channels,
                                     match_neck_to_backbone)

TINY_COCO = ('configs/benchmarks/mmdetection/'
             'mask-rcnn_slimmable-r18_fpn_tiny-coco.py')
R50 = dict(type='slimmm.SlimmableResNet', depth=50,
           widths=[1.0, 0.75, 0.5, 0.25], out_indices=(0, 1, 2, 3))


@pytest.mark.parametrize('extra, width, channels', [
    (dict(width=0.5), None, [128, 256, 512, 1024]),
    (dict(), None, [256, 512, 1024, 2048]),  # switchable: full width
    (dict(), 0.25, [64, 128, 256, 512]),
    (dict(widths=None, width_range=(0.25, 1.0), width=0.6), None,
     [160, 320, 640, 1280]),  # universal: multiples of 8 at 0.6
    (dict(out_indices=(3, ),
          init_cfg=dict(type='Pretrained', checkpoint='absent.pth')),
     None, [2048]),
])
def test_backbone_feature_channels(extra, width, channels):
    assert backbone_feature_channels(dict(R50, **extra), width) == channels


def test_non_slimmm_backbones_give_none():
    assert backbone_feature_channels(dict(type='ResNet', depth=18)) is None
    assert backbone_feature_channels(
        dict(type='mmdet.ResNet', depth=18)) is None


def test_neck_filled_checked_or_refused():
    backbone = dict(R50, width=0.5)
    neck = dict(type='FPN', in_channels=None, out_channels=256, num_outs=5)
    filled = match_neck_to_backbone(backbone, neck)
    assert filled['in_channels'] == [128, 256, 512, 1024]
    assert neck['in_channels'] is None  # the config is not modified
    typed = dict(neck, in_channels=[128, 256, 512, 1024])
    assert match_neck_to_backbone(backbone, typed) == typed
    with pytest.raises(ValueError, match=r'in_channels=\[256, 512, 1024, '
                       r'2048\] does not match the backbone at width 0\.5, '
                       r'whose outputs have \[128, 256, 512, 1024\].*=None'):
        match_neck_to_backbone(backbone,
                               dict(neck, in_channels=[256, 512, 1024, 2048]))
    with pytest.raises(ValueError, match="needs a slimmm backbone; got "
                       "'ResNet': type the in_channels"):
        match_neck_to_backbone(dict(type='ResNet', depth=50), neck)


def test_detector_is_mmdets_with_derived_in_channels():
    """Same modules and checkpoint keys as mmdet's MaskRCNN with the
    in_channels typed by hand, so checkpoints move between the two."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(TINY_COCO)
    cfg.merge_from_dict({'model.backbone.width': 0.25,
                         'model.backbone.init_cfg': None})
    assert cfg.model.type == 'slimmm.MaskRCNN'
    assert cfg.model.neck.in_channels is None
    ours = MODELS.build(copy.deepcopy(cfg.model))
    assert ours.neck.in_channels == [16, 32, 64, 128]
    stock_cfg = copy.deepcopy(cfg.model)
    stock_cfg.update(type='MaskRCNN')
    stock_cfg.neck.in_channels = [16, 32, 64, 128]
    stock = MODELS.build(stock_cfg)
    assert type(stock).__name__ == 'MaskRCNN'
    assert isinstance(ours, type(stock))
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: v.shape for k, v in stock.state_dict().items()}
