"""Every shipped config is a plain MM config.

The stock tools of the package a config's ``default_scope`` names (mmdet's,
mmpretrain's or mmseg's ``.mim/tools/train.py`` / ``test.py``) run every
tiny config for two iterations, in a folder laid out as the README's
(``data/tiny_*``, ``work_dirs/main_job/pretrain/slimmable-r18.pth``). Only
the stock ``--cfg-options`` shorten the runs; nothing of slimmm reads the
config. The model of every real-data config builds from
``Config.fromfile``.
"""
import copy
import glob
import json
import math
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from stock_tools import is_joint, run_stock_tool, stock_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p.split(os.sep))
# configs/backbones/us-vit-tiny.py is ViT-Tiny, not a tiny-data config.
TINY = [p for p in CONFIGS
        if 'tiny' in osp.basename(p) and '/configs/backbones/' not in p]
REAL = [p for p in CONFIGS if p not in TINY]


def _name(path):
    return osp.relpath(path, osp.join(REPO, 'configs'))


# The tiny recognition configs differ only in their dataset (each dataset
# type runs in tests/test_datasets/test_tiny_recognition.py): a file-based
# one and a CIFAR one here.
RECOGNITION_ONLY = ('tiny-flowers102.py', 'tiny-cifar10.py')
# Joint detector configs that differ from stock-trained ones
# (mask-rcnn_slimmable-r18_fpn_joint_tiny-coco.py, the main job's
# mask-rcnn_slimmable-r18-half_fpn_joint_tiny-coco.py) only in the detector
# or an option: their models train and export in
# tests/test_detection/test_joint_detector.py.
JOINT_VARIANTS = ('retinanet_slimmable-r18_fpn_joint_tiny-coco.py',
                  'fcos_slimmable-r18_fpn_joint_tiny-coco.py',
                  'mask-rcnn_slimmable-r18-half_fpn_joint-slim-heads_tiny-coco'
                  '.py')
STOCK_TRAIN = [p for p in TINY if '/knn/' not in p and (
    '/recognition/' not in p or p.endswith(RECOGNITION_ONLY))
    and not p.endswith(JOINT_VARIANTS)]


@pytest.mark.parametrize('path', STOCK_TRAIN, ids=_name)
def test_stock_train_runs_tiny_config(path, stock_train_run):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports['imports'] == ['slimmm']
    run = stock_train_run(path)
    train = [r for r in run['records'] if 'loss' in r]
    assert [r['step'] for r in train] == [1, 2]
    assert all(math.isfinite(r['loss']) for r in train)
    if cfg.default_scope == 'mmseg':
        # mmseg's IoUMetric logs unprefixed percentages.
        miou, = [r['mIoU'] for r in run['records'] if 'mIoU' in r]
        assert 0 <= miou <= 100
        # The heads' in_channels followed model.backbone.width=0.5 (R-18
        # at 0.5: 32, 64, 128, 256): UPerHead's lateral convolutions read
        # stages 0-2, the auxiliary FCN head stage 2.
        checkpoint, = glob.glob(osp.join(run['work_dir'], '*.pth'))
        state = torch.load(checkpoint, map_location='cpu',
                           weights_only=False)['state_dict']
        assert [state[f'decode_head.lateral_convs.{i}.conv.weight'].shape[1]
                for i in range(3)] == [32, 64, 128]
        assert state['auxiliary_head.convs.0.conv.weight'].shape[1] == 128
    elif cfg.get('val_dataloader'):
        metrics = {k for r in run['records'] for k in r if '/' in k}
        # e.g. coco/bbox_mAP, width_1.0/accuracy/top1
        assert metrics, run['records']
    if cfg.model.get('neck', {}).get('type') == \
            'slimmm.SimpleFeaturePyramid':
        # ViTDet's pyramid reads the last ViT block: ViT-Tiny at 0.5 has 96
        # channels, the stride-16 level convolves them directly.
        checkpoint, = glob.glob(osp.join(run['work_dir'], '*.pth'))
        state = torch.load(checkpoint, map_location='cpu',
                           weights_only=False)['state_dict']
        assert state['backbone.cls_token'].shape[-1] == 96
        assert state['neck.lateral_convs.2.conv.weight'].shape[1] == 96
    elif cfg.default_scope == 'mmdet':
        # FPN in_channels followed model.backbone.width=0.5 (R-18 at 0.5:
        # 32, 64, 128, 256 channels); a joint detector's FPN is full width.
        checkpoint, = glob.glob(osp.join(run['work_dir'], '*.pth'))
        state = torch.load(checkpoint, map_location='cpu',
                           weights_only=False)['state_dict']
        channels = [64, 128, 256, 512] if is_joint(cfg) else \
            [32, 64, 128, 256]
        # The main job's half-channel R-18 (base_channels 32) has half.
        base = cfg.model.backbone.get('base_channels', 64)
        channels = [c * base // 64 for c in channels]
        # An FPN from start_level on (RetinaNet, FCOS: 1) skips stage 1.
        start = cfg.model.neck.get('start_level', 0)
        assert [state[f'neck.lateral_convs.{i}.conv.weight'].shape[1]
                for i in range(4 - start)] == channels[start:]


@pytest.mark.parametrize('path', [p for p in TINY if '/knn/' in p],
                         ids=_name)
def test_stock_test_runs_knn_config(path, readme_layout, r18_checkpoint,
                                    tmp_path, monkeypatch):
    """A kNN config trains nothing; mmpretrain's test.py evaluates it."""
    cfg = Config.fromfile(path)
    work_dir = tmp_path / 'work'
    monkeypatch.chdir(readme_layout)
    checkpoint = r18_checkpoint
    if 'cifar' in osp.basename(path):  # the tiny CIFAR pretraining's
        checkpoint = ('work_dirs/us3l_us-r18-cifar_1xb32-tiny_cifar100/'
                      'epoch_8.pth')
    run_stock_tool(
        stock_tool(cfg.default_scope, 'test.py'),
        [path, checkpoint, '--work-dir', work_dir, '--cfg-options',
         'test_dataloader.dataset.indices=8', 'log_level=WARNING'])
    path, = glob.glob(str(work_dir / '*' / '*.json'))
    with open(path) as f:
        metrics = json.load(f)
    assert 0 <= metrics['width_1.0/accuracy/top1'] <= 100


def _without_weights(node):
    """The config with every ``Pretrained`` init removed (no checkpoint
    files here); everything else is built as written."""
    if isinstance(node, dict):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            node['init_cfg'] = None
        for value in node.values():
            _without_weights(value)
    elif isinstance(node, list):
        for value in node:
            _without_weights(value)
    return node


@pytest.mark.parametrize('path', REAL, ids=_name)
def test_real_data_config_builds_its_model(path):
    cfg = Config.fromfile(path)
    scope = cfg.get('default_scope', 'mmpretrain')
    model_cfg = _without_weights(copy.deepcopy(cfg.model))
    if '/configs/backbones/' in path:
        model_cfg = model_cfg['backbone']  # backbone fragments
    init_default_scope(scope)
    from mmengine.registry import MODELS
    try:
        # Shapes only: the meta device allocates and initialises nothing.
        with torch.device('meta'):
            model = MODELS.build(copy.deepcopy(model_cfg))
    except NotImplementedError:  # a module reads tensor values to build
        model = MODELS.build(model_cfg)
    assert sum(p.numel() for p in model.parameters()) > 0


MMPRETRAIN_MOCOV2 = osp.join(
    REPO, 'configs/slimclr/'
    'slimclr-mocov2_slimmable-r50_mmpretrain-mocov2-base_in1k.py')


def test_hue_jitter_runs_on_the_installed_numpy():
    """mmcv 2.1's adjust_hue, which every stock MoCo / BYOL / SimCLR
    pipeline calls, overflows uint8 under numpy 2 (the set-up pins
    numpy<2)."""
    import mmcv
    import numpy as np
    image = np.random.RandomState(0).randint(0, 256, (8, 8, 3), np.uint8)
    for factor in (-0.1, 0.1):
        shifted = mmcv.adjust_hue(image, factor)
        assert shifted.dtype == np.uint8 and not np.array_equal(
            shifted, image)


#: A user's config in the form the issue names: mmpretrain's MoCo v2 config
#: as the base, slimmm's SlimCLR-MoCov2 model (read from slimmm's model
#: base, not copied here) swapped in.
USER_CONFIG = """
_base_ = 'mmpretrain::mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py'
custom_imports = dict(imports=['slimmm'], allow_failed_imports=False)
model = dict(_delete_=True, **{model!r})
model_wrapper_cfg = dict(type='slimmm.SubnetDistributedDataParallel')
train_dataloader = dict(collate_fn=dict(_delete_=True, type='default_collate'))
"""


def _shortened(view):
    """Stock --cfg-options that shorten a MoCo v2 run on tiny data: an
    R-18, 32 px views with the colour jitter (hue included) always on,
    two iterations of 4 images."""
    return {
        'model.backbone.depth': 18, 'model.neck.hid_channels': 64,
        'model.queue_len': 64, f'{view}.0.scale': 32, f'{view}.1.prob': 1.0,
        'train_dataloader.batch_size': 4, 'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_dataloader.dataset.data_root': 'data/tiny_imagenet',
        'train_dataloader.dataset.indices': 8, 'train_cfg.max_epochs': 1,
        'default_hooks.logger.interval': 1, 'log_level': 'WARNING'}


@pytest.mark.parametrize('form', ['shipped', 'user'])
def test_mmpretrain_mocov2_recipe_trains_under_stock_tool(
        form, readme_layout, tmp_path, monkeypatch):
    """slimmm's algorithm on mmpretrain's own MoCo v2 recipe, trained by
    mmpretrain's train.py with mmpretrain's augmentations (hue jitter
    applied to every view): the shipped config (which inherits its parts),
    and a user's config on ``mmpretrain::mocov2/...``. The shipped one
    saves with slimmm.AtomicCheckpointHook and resumes with the stock
    ``--resume``."""
    config = MMPRETRAIN_MOCOV2
    if form == 'user':
        model = Config.fromfile(osp.join(
            REPO, 'configs/_base_/models/slimclr-mocov2_slimmable-r50.py'))
        config = str(tmp_path / 'user_mocov2.py')
        with open(config, 'w') as f:
            f.write(USER_CONFIG.format(model=model.model.to_dict()))
    cfg = Config.fromfile(config)
    views = cfg.train_dataloader.dataset.pipeline[1].transforms[0]
    jitter = views[1].transforms[0]
    assert jitter.type == 'ColorJitter' and jitter.hue == 0.1
    options = _shortened('train_dataloader.dataset.pipeline.1.transforms.0')
    options['visualizer.name'] = f'mmpretrain_mocov2_{form}'
    monkeypatch.chdir(readme_layout)
    work_dir = str(tmp_path / 'work')
    train = stock_tool('mmpretrain', 'train.py')
    args = [config, '--work-dir', work_dir, '--cfg-options'] + [
        f'{key}={value}' for key, value in options.items()]
    run_stock_tool(train, args)
    from stock_tools import logged_records
    records = [r for r in logged_records(work_dir) if 'loss' in r]
    assert [r['step'] for r in records] == [1, 2]
    assert all(math.isfinite(r['loss']) for r in records)
    if form == 'shipped':
        assert sorted(n for n in os.listdir(work_dir)
                      if n.endswith('.pth')) == ['epoch_1.pth']
        # mmpretrain's --resume: resume=True without a file; one more
        # epoch from the checkpoint the hook chose.
        options['train_cfg.max_epochs'] = 2
        options['visualizer.name'] += '_resumed'
        import time
        time.sleep(1.01 - time.time() % 1)  # a new log folder
        run_stock_tool(train, [config, '--work-dir', work_dir, '--resume',
                               '--cfg-options'] + [
            f'{key}={value}' for key, value in options.items()])
        assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))
        logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                         'scalars.json')))
        with open(logs[-1]) as f:
            resumed = [json.loads(line) for line in f]
        assert [r['step'] for r in resumed if 'loss' in r] == [3, 4]
