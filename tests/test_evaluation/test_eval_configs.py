"""Every shipped evaluation config reads and its model builds (tiny ones
in full; ImageNet ones are only read)."""
import glob
import os.path as osp

import pytest
from mmengine.registry import DefaultScope

from slimmm.apis import load_config
from slimmm.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs/benchmarks/linear_probe/*.py')) +
    glob.glob(osp.join(ROOT, 'configs/benchmarks/knn/*.py')) +
    glob.glob(osp.join(ROOT, 'configs/benchmarks/semi_supervised/*.py')))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_reads(path):
    cfg = load_config(path)
    model = cfg.model
    assert model.type == 'slimmm.SwitchableLinearClassifier'
    assert cfg.test_evaluator.type == 'slimmm.PerWidthAccuracy'
    if '/knn/' in path:
        # Nothing trained: the bank is the training split, test-only for
        # mmengine.
        assert cfg.train_dataloader is None and cfg.val_dataloader is None
        bank = cfg.knn.bank_dataloader.dataset
        assert 'train' in (bank.get('data_prefix'), bank.get('split'))
    if 'semi_supervised' in path:
        dataset = cfg.train_dataloader.dataset
        assert dataset.type == 'slimmm.LabelSubsetDataset'
        pct = round(cfg.label_fraction * 100)
        assert dataset.ann_file == f'meta/train_{pct}pct_seed0.txt'
    if 'tiny' not in path:
        return
    model.backbone.init_cfg = None  # shapes only
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        net = MODELS.build(model)
    if 'cifar' in osp.basename(path):  # US3L Table 2's widths, CIFAR-100
        assert net.widths == [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25]
        assert net.num_classes == 100
        return
    assert net.widths == [1.0, 0.75, 0.5, 0.25]
    assert net.num_classes == 10
