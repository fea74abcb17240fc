"""Per-width semantic segmentation: the segmentor's neck / heads follow the
backbone's width (typed mismatches refused in one line), and the transfer
runner trains the tiny UperNet at two widths and writes mIoU and the whole
segmentor's cost per width."""
import csv
import os.path as osp

import pytest
import torch

from slimmm.apis.transfer import width_configs
from slimmm.models.segmentors import match_segmentor_to_backbone

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEG_CONFIGS = osp.join(REPO, 'configs', 'benchmarks', 'mmsegmentation')
TINY_ADE20K = osp.join(SEG_CONFIGS, 'upernet_slimmable-r18_tiny-ade20k.py')
FPN_CITYSCAPES = osp.join(SEG_CONFIGS,
                          'fpn_slimmable-r50_4xb2-80k_cityscapes-512x1024.py')
NO_WEIGHTS = {'model.backbone.init_cfg': None}


def _build(cfg):
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmseg'), torch.device('meta'):
        return revert_sync_batchnorm(MODELS.build(cfg.model))


@pytest.mark.parametrize('width, stages', [(1.0, [64, 128, 256, 512]),
                                           (0.5, [32, 64, 128, 256])])
def test_segmentor_channels_follow_the_width(width, stages):
    upernet = _build(width_configs(TINY_ADE20K, None, [width],
                                   NO_WEIGHTS)[0])
    assert type(upernet).__name__ == 'EncoderDecoder'
    assert type(upernet).__module__.startswith('slimmm.')
    assert upernet.decode_head.in_channels == stages  # in_index [0, 1, 2, 3]
    assert upernet.auxiliary_head.in_channels == stages[2]  # in_index 2
    assert upernet.decode_head.lateral_convs[0].conv.in_channels == stages[0]
    # Semantic FPN: the FPN follows the backbone, the head reads the FPN.
    fpn = _build(width_configs(FPN_CITYSCAPES, None, [width],
                               dict(NO_WEIGHTS,
                                    **{'model.backbone.depth': 18}))[0])
    assert [conv.conv.in_channels for conv in fpn.neck.lateral_convs] == \
        stages
    assert fpn.decode_head.in_channels == [256] * 4


def test_mismatching_in_channels_refused_in_one_line():
    cfg = width_configs(TINY_ADE20K, None, [0.5], NO_WEIGHTS)[0]
    model = cfg.model
    with pytest.raises(ValueError, match=r'^model.decode_head.in_channels='
                       r'\[64, 128, 256, 512\] does not match the backbone at '
                       r'width 0.5, whose outputs have \[32, 64, 128, 256\] '
                       r'channels: set model.decode_head.in_channels=None '
                       r'to follow the width.$'):
        match_segmentor_to_backbone(
            model.backbone, dict(model.decode_head,
                                 in_channels=[64, 128, 256, 512]),
            None, model.auxiliary_head)
    with pytest.raises(ValueError, match=r'^model.auxiliary_head.in_channels='
                       r'256 does not match .* outputs have 128 channels'):
        match_segmentor_to_backbone(model.backbone, model.decode_head, None,
                                    dict(model.auxiliary_head,
                                         in_channels=256))
    from slimmm.models.segmentors import EncoderDecoder
    with pytest.raises(ValueError, match=r"^model.pretrained='open-mmlab://"
                       r"resnet50_v1c' .* set model.pretrained=None"):
        EncoderDecoder(model.backbone, model.decode_head,
                       pretrained='open-mmlab://resnet50_v1c')
    fpn = width_configs(FPN_CITYSCAPES, None, [0.5], NO_WEIGHTS)[0].model
    with pytest.raises(ValueError, match=r"^model.decode_head.in_channels="
                       r"None, but the head reads the neck \('FPN'\).*type "
                       r'model.decode_head.in_channels'):
        match_segmentor_to_backbone(fpn.backbone,
                                    dict(fpn.decode_head, in_channels=None),
                                    fpn.neck)


def test_transfer_two_widths_writes_miou_and_model_cost(
        r18_checkpoint, tiny_ade20k, tmp_path):
    from transfer_runs import run_transfer
    work_dir = str(tmp_path / 'transfer')
    fast = {'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
            'default_hooks.checkpoint.interval': 2,
            'default_hooks.logger.interval': 1,
            'val_dataloader.dataset.indices': 4, 'log_level': 'WARNING'}
    rows = run_transfer(TINY_ADE20K, r18_checkpoint, [1.0, 0.5],
                        work_dir=work_dir, data_root=tiny_ade20k['root'],
                        cfg_options=fast)
    with open(osp.join(work_dir, 'transfer_results.csv')) as f:
        table = list(csv.DictReader(f))
    header = list(table[0])
    assert header[:5] == ['width', 'params', 'flops', 'model_M_params',
                          'model_GFLOPs']
    assert {'mIoU', 'mAcc', 'aAcc'} <= set(header)
    assert not {'AP_bb', 'mAP'} & set(header)
    assert [r['width'] for r in rows] == [1.0, 0.5]
    for row in rows:
        # mmseg logs percentages; they are not scaled again.
        assert all(0 <= row[key] <= 100 for key in ('mIoU', 'mAcc', 'aAcc'))
        assert 0 < row['mIoU'] or row['aAcc'] == 0
    # The whole UperNet at the tiny test size (64 x 128): the heads keep
    # their channels, so the model shrinks less than its backbone.
    full, half = rows
    assert half['model_GFLOPs'] < full['model_GFLOPs']
    assert half['flops'] / full['flops'] < \
        half['model_GFLOPs'] / full['model_GFLOPs'] < 1
