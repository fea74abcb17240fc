"""Recognition transfer (US3L Table 6): tiny Flowers-102, Pets and DTD in
their real layouts read by mmpretrain's stock classes, the files checked
before compute, every real config on its stock dataset type, and the one
command's dataset x width table."""
import csv
import os
import os.path as osp
import sys

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.datasets import DTD, Flowers102, OxfordIIITPet

from slimmm.datasets import (DataInputError, check_data, make_tiny_cifar,
                             make_tiny_dtd, make_tiny_flowers102,
                             make_tiny_pets)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'benchmarks'))
STOCK = {'flowers102': (make_tiny_flowers102, Flowers102),
         'pets': (make_tiny_pets, OxfordIIITPet),
         'dtd': (make_tiny_dtd, DTD)}


@pytest.mark.parametrize('name', sorted(STOCK))
def test_stock_class_reads_the_tiny_layout(name, tmp_path):
    make, stock = STOCK[name]
    make(str(tmp_path), num_classes=3)
    train = stock(data_root=str(tmp_path), split='trainval',
                  pipeline=[dict(type='LoadImageFromFile')])
    test = stock(data_root=str(tmp_path), split='test')
    assert len(train) > 0 and len(test) > 0
    assert sorted(set(train.get_gt_labels().tolist())) == [0, 1, 2]
    assert train[0]['img'].shape == (64, 64, 3)
    with pytest.raises(ValueError, match='left untouched'):
        make(str(tmp_path), num_classes=4)


def test_missing_or_malformed_files_stop_in_one_line(tmp_path):
    def check(type_name, root):
        check_data(Config(dict(train_dataloader=dict(dataset=dict(
            type=type_name, data_root=str(root), split='trainval')))))

    with pytest.raises(DataInputError, match=r'setid\.mat \(missing\).*'
                       r'download 102flowers\.tgz'):
        make_tiny_flowers102(str(tmp_path / 'f'))
        os.remove(tmp_path / 'f' / 'setid.mat')
        check('Flowers102', tmp_path / 'f')
    make_tiny_pets(str(tmp_path / 'p'))
    with open(tmp_path / 'p' / 'annotations' / 'test.txt', 'a') as f:
        f.write('Abyssinian_99 one\n')
    with pytest.raises(DataInputError, match=r'test\.txt:\d+: expected'):
        check('OxfordIIITPet', tmp_path / 'p')
    make_tiny_dtd(str(tmp_path / 'd'))
    os.remove(tmp_path / 'd' / 'images' / 'banded' / 'banded_0001.jpg')
    with pytest.raises(DataInputError, match='1 of the 100 images.*'
                       'banded_0001.jpg'):
        check('mmpretrain.DTD', tmp_path / 'd')
    # a CIFAR that may download itself is left to do so; one that may not
    # is checked
    check('CIFAR10', tmp_path / 'none')
    with pytest.raises(DataInputError, match='data_batch_1 \\(missing\\)'):
        check_data(Config(dict(train_dataloader=dict(dataset=dict(
            type='CIFAR10', data_root=str(tmp_path / 'none'),
            download=False)))))


# Every dataset's linear config; fine-tuning (the same config with a
# static width and a trained backbone) on one file-based and one CIFAR set.
REAL = [(dataset, 'linear') for dataset in (
    'cifar10', 'cifar100', 'flowers102', 'pets', 'dtd')] + [
        ('flowers102', 'finetune'), ('cifar10', 'finetune')]


@pytest.mark.parametrize('dataset, protocol', REAL)
def test_real_config_trains_on_its_stock_dataset(dataset, protocol,
                                                 tmp_path):
    """Two iterations of a real config (a small network of the same kind),
    its stock dataset type reading tiny files in the real layout (the CIFAR
    classes through slimmm's subclass without the real files'
    checksums)."""
    cfg = Config.fromfile(osp.join(
        REPO, 'configs', 'benchmarks', 'recognition',
        f'{protocol}_us-r50_8xb64-steplr-100e_{dataset}.py'))
    stock_type = cfg.train_dataloader.dataset.type
    root = str(tmp_path / 'data')
    if dataset.startswith('cifar'):
        make_tiny_cifar(root, variant=dataset)
        data = dict(type=f'slimmm.Tiny{stock_type}', data_root=root)
    else:
        STOCK[dataset][0](root)
        data = dict(data_root=root)
    cfg.model.backbone.update(depth=18, stem_channels=16, base_channels=16,
                              init_cfg=None)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].update(batch_size=4, num_workers=0,
                        persistent_workers=False)
        cfg[key].dataset.update(indices=4, **data)
    cfg.custom_hooks[0].num_batches = 1
    cfg.update(work_dir=str(tmp_path / 'work'), log_level='WARNING',
               train_cfg=dict(cfg.train_cfg, max_epochs=1, val_interval=1))
    cfg.default_hooks.update(checkpoint=None)
    runner = Runner.from_cfg(cfg)
    runner.train()
    keys = [k for k in runner.message_hub.log_scalars
            if k.endswith('/accuracy/top1')]
    expected = 4 if protocol == 'linear' else 1
    assert len(keys) == expected, keys
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())


def test_one_command_writes_the_dataset_by_width_table(
        readme_layout, tmp_path, monkeypatch):
    from recognition_transfer import run_recognition_transfer
    monkeypatch.chdir(readme_layout)
    checkpoint = 'work_dirs/us3l_us-r18_1xb32-tiny/epoch_8.pth'
    work_dir = str(tmp_path / 'work')
    options = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
               'train_dataloader.dataset.indices=16',
               'val_dataloader.dataset.indices=8']
    kwargs = dict(datasets=['dtd', 'cifar10'], widths=[0.5, 1.0],
                  tiny=True, work_dir=work_dir, cfg_options=options)
    rows = run_recognition_transfer(checkpoint, **kwargs)
    assert sorted((r['dataset'], r['width']) for r in rows) == [
        ('cifar10', 0.5), ('cifar10', 1.0), ('dtd', 0.5), ('dtd', 1.0)]
    assert all(0 <= r['top1'] <= 100 and r['flops'] > 0 for r in rows)
    for suffix in ('md', 'csv', 'png'):
        assert osp.isfile(osp.join(work_dir, f'recognition_results.{suffix}'))
    with open(osp.join(work_dir, 'recognition_results.csv')) as f:
        assert len(list(csv.DictReader(f))) == 4
    # A rerun skips the finished runs and gives the same table.
    assert run_recognition_transfer(checkpoint, **kwargs) == rows
    # Bad input stops before any training.
    with pytest.raises(DataInputError, match='does not exist'):
        run_recognition_transfer('missing.pth', **kwargs)
