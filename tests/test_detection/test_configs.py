"""Every shipped detection config builds; the detector derives the FPN
in_channels from the width at build time; the paper recipes keep their
SyncBN / fine-tuning / dataset settings."""
import copy
import glob
import os.path as osp

import pytest
import torch
from det_helpers import DET_CONFIGS, TINY_COCO, TINY_VOC

from slimmm.apis import load_config
from slimmm.datasets import dataloader_datasets, redirect_data_root
from slimmm.models.detectors import match_neck_to_backbone
from slimmm.registry import MODELS as SLIMMM_MODELS

CONFIGS = sorted(glob.glob(osp.join(DET_CONFIGS, '*.py')))


def _build_detector(cfg):
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.model import revert_sync_batchnorm
    register_all_modules(init_default_scope=True)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.init_cfg = None
    return revert_sync_batchnorm(MODELS.build(model_cfg))


def _needs(cfg):
    name = cfg.model.backbone.type.replace('slimmm.', '')
    if SLIMMM_MODELS.get(name) is None:
        pytest.skip(f'{name} is not implemented in this checkout')


def test_configs_are_shipped():
    names = {osp.basename(p) for p in CONFIGS}
    assert {
        'mask-rcnn_slimmable-r50_fpn_syncbn_1x_coco.py',
        'mask-rcnn_slimmable-r50_fpn_syncbn_2x_coco.py',
        'faster-rcnn_slimmable-r50_fpn_syncbn_voc0712.py',
        'mask-rcnn_slimmable-r18_fpn_syncbn_1x_coco.py',
        'faster-rcnn_slimmable-r18_fpn_syncbn_voc0712.py',
        'mask-rcnn_slimmable-mobilenetv3_fpn_syncbn_2x_coco.py',
        'mask-rcnn_slimmable-r18_fpn_tiny-coco.py',
        'faster-rcnn_slimmable-r18_fpn_tiny-voc.py'} <= names


# The joint-protocol configs (one detector at all widths) have their own
# checks in test_joint_protocol.py, the ViTDet-style ViT recipe (LayerNorm,
# LSJ, AdamW) in test_vit_detection.py.
@pytest.mark.parametrize('path', [p for p in CONFIGS if 'tiny' not in p and
                                  'joint' not in p and 'vit' not in p],
                         ids=osp.basename)
def test_paper_config_builds_with_its_recipe(path):
    default = load_config(path)
    _needs(default)
    # The narrowest width of a switchable backbone; 0.4 for a universal one.
    width = min(default.model.backbone.get('widths') or [0.4])
    cfg = load_config(path, {'model.backbone.width': width})
    backbone = cfg.model.backbone
    # The papers fine-tune everything, BN included, with SyncBN (the
    # one-stage recipes' FPN has no norm: SyncBN in the backbone only).
    one_stage = osp.basename(path).startswith(('retinanet', 'fcos'))
    assert backbone.frozen_stages == -1 and backbone.norm_eval is False
    assert backbone.norm_cfg['type'] == 'SyncBN'
    if not one_stage:
        assert cfg.model.neck.norm_cfg['type'] == 'SyncBN'
    assert backbone.init_cfg['type'] == 'Pretrained'
    assert backbone.init_cfg['prefix'] == 'backbone.'
    assert cfg.default_scope == 'mmdet'
    datasets = dataloader_datasets(cfg)
    if 'voc' in path:
        assert cfg.val_evaluator.type == 'VOCMetric'
        assert {d['type'] for d in datasets} == {'VOCDataset'}
        train = [d['ann_file'] for d in dataloader_datasets(
            cfg.__class__(dict(train_dataloader=cfg.train_dataloader)))]
        assert train == ['VOC2007/ImageSets/Main/trainval.txt',
                         'VOC2012/ImageSets/Main/trainval.txt']
        assert cfg.test_dataloader.dataset.ann_file == \
            'VOC2007/ImageSets/Main/test.txt'
    else:
        assert cfg.val_evaluator.type == 'CocoMetric'
        metrics = cfg.val_evaluator.metric
        assert ([metrics] if isinstance(metrics, str) else list(metrics)) \
            == (['bbox'] if one_stage else ['bbox', 'segm'])
        assert {d['type'] for d in datasets} == {'CocoDataset'}
        assert cfg.data_root == 'data/coco/'
        epochs = 24 if '2x' in path else 12
        assert cfg.train_cfg.max_epochs == epochs
    if ('1x_coco' in path or 'voc0712' in path) and not one_stage:
        # OpenMMLab SSL benchmark heads: SyncBN in the 4conv-1fc box head.
        assert cfg.model.roi_head.bbox_head.type == 'Shared4Conv1FCBBoxHead'
        assert cfg.model.roi_head.bbox_head.norm_cfg['type'] == 'SyncBN'
    assert cfg.model.type.startswith('slimmm.')
    assert cfg.model.neck.in_channels is None  # derived from the backbone
    model = _build_detector(cfg)
    assert model.backbone.is_static and model.backbone.fixed_width == width
    out = model.backbone(torch.zeros(1, 3, 64, 64))
    assert [o.shape[1] for o in out] == list(model.neck.in_channels)


@pytest.mark.parametrize('depth, path', [
    (18, 'mask-rcnn_slimmable-r18_fpn_syncbn_1x_coco.py'),
    (50, 'mask-rcnn_slimmable-r50_fpn_syncbn_1x_coco.py')])
def test_fpn_in_channels_follow_the_width(depth, path):
    expansion = 4 if depth == 50 else 1
    for width in (1.0, 0.75, 0.5, 0.25):
        cfg = load_config(osp.join(DET_CONFIGS, path),
                          {'model.backbone.width': width})
        neck = match_neck_to_backbone(cfg.model.backbone, cfg.model.neck)
        assert neck['in_channels'] == [
            int(64 * width) * 2**i * expansion for i in range(4)]


def test_typed_in_channels_that_disagree_with_the_width_fail():
    path = osp.join(DET_CONFIGS,
                    'mask-rcnn_slimmable-r18_fpn_syncbn_1x_coco.py')
    ok = load_config(path, {'model.backbone.width': 0.5,
                            'model.neck.in_channels': [32, 64, 128, 256]})
    assert _build_detector(ok).neck.in_channels == [32, 64, 128, 256]
    bad = load_config(path, {'model.backbone.width': 0.5,
                             'model.neck.in_channels': [64, 128, 256, 512]})
    with pytest.raises(ValueError, match=r'in_channels=\[64, 128, 256, 512\]'
                       r'.*width 0.5.*\[32, 64, 128, 256\].*=None'):
        _build_detector(bad)


def test_in_channels_none_needs_a_slimmm_backbone():
    cfg = load_config(TINY_COCO)
    cfg.model.backbone = dict(type='ResNet', depth=18)
    with pytest.raises(ValueError, match="needs a slimmm backbone.*'ResNet'"):
        _build_detector(cfg)


@pytest.mark.parametrize('path, fixture', [(TINY_COCO, 'small_coco'),
                                           (TINY_VOC, 'small_voc')],
                         ids=['tiny-coco', 'tiny-voc'])
def test_tiny_config_builds_model_and_datasets(path, fixture, request):
    from mmdet.registry import DATASETS
    data = request.getfixturevalue(fixture)
    root = data['root'] if fixture == 'small_coco' else data['devkit']
    cfg = load_config(path, {'model.backbone.width': 0.25})
    redirect_data_root(cfg, root)
    model = _build_detector(cfg)
    assert model.neck.in_channels == [16, 32, 64, 128]
    datasets = {key: DATASETS.build(cfg[key].dataset)
                for key in ('train_dataloader', 'val_dataloader')}
    if fixture == 'small_coco':
        assert len(datasets['train_dataloader']) == 8
        assert len(datasets['val_dataloader']) == 4
        assert cfg.val_evaluator.ann_file.startswith(root)
    else:
        assert len(datasets['train_dataloader']) == 12  # 07 + 12 trainval
        assert len(datasets['val_dataloader']) == 3  # VOC2007 test
    item = datasets['train_dataloader'][0]
    assert max(item['inputs'].shape[-2:]) == 96  # resized to the tiny size
    assert datasets['val_dataloader'].metainfo['classes'] == \
        tuple(data['classes'])
    assert model.roi_head.bbox_head.num_classes == len(data['classes'])


def test_syncbn_becomes_cpu_syncbn_only_for_cpu_multiprocess(monkeypatch):
    monkeypatch.delenv('WORLD_SIZE', raising=False)
    cfg = load_config(TINY_COCO)
    assert cfg.model.backbone.norm_cfg['type'] == 'SyncBN'
    monkeypatch.setenv('WORLD_SIZE', '2')
    cfg = load_config(TINY_COCO)
    if torch.cuda.is_available():
        pytest.skip('GPU machine: SyncBN stays')
    # torch's SyncBN is CUDA-only; slimmm's reduces over gloo
    for norm_cfg in (cfg.model.backbone.norm_cfg, cfg.model.neck.norm_cfg,
                     cfg.model.roi_head.bbox_head.norm_cfg):
        assert norm_cfg['type'] == 'slimmm.CPUSyncBN'
    assert cfg.model_wrapper_cfg['type'] == 'CPUDistributedDataParallel'
