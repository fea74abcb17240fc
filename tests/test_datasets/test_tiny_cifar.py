"""The tiny CIFAR data: the stock datasets' file format, read by
mmpretrain's CIFAR10 / CIFAR100 classes, generated on first use; the
CIFAR-100 recipes run on it under mmpretrain's stock train.py."""
import os.path as osp
import pickle

import numpy as np
import pytest
from mmpretrain.datasets import CIFAR100
from stock_tools import logged_records, run_stock_tool, stock_tool

from slimmm.datasets import (DataInputError, TinyCIFAR10, TinyCIFAR100,
                             make_tiny_cifar)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_files_have_the_stock_layout_and_read_through_cifar100(tmp_path):
    small = dict(num_classes=4, train_per_class=3, test_per_class=2)
    facts = make_tiny_cifar(str(tmp_path), **small)
    folder = osp.join(str(tmp_path), 'cifar-100-python')
    assert facts['folder'] == folder
    with open(osp.join(folder, 'train'), 'rb') as f:
        train = pickle.load(f, encoding='latin1')
    assert train['data'].dtype == np.uint8
    assert train['data'].shape == (12, 3072)
    assert sorted(set(train['fine_labels'])) == [0, 1, 2, 3]
    with open(osp.join(folder, 'meta'), 'rb') as f:
        assert len(pickle.load(f)['fine_label_names']) == 100
    # mmpretrain's CIFAR100 loader (the tiny class only drops the real
    # files' checksums): images as HWC arrays, planes in R, G, B order
    dataset = TinyCIFAR100(data_root=str(tmp_path), split='test',
                           generator_args=small)
    assert isinstance(dataset, CIFAR100) and len(dataset) == 8
    first = dataset[0]
    assert first['img'].shape == (32, 32, 3)
    with open(osp.join(folder, 'test'), 'rb') as f:
        red = pickle.load(f)['data'][0, :1024].reshape(32, 32)
    np.testing.assert_array_equal(first['img'][..., 0], red)
    assert dataset.CLASSES[:2] == ('apple', 'aquarium_fish')


def test_cifar10_batches_and_refusals(tmp_path):
    dataset = TinyCIFAR10(data_root=str(tmp_path), split='train')
    assert len(dataset) == 400
    assert osp.isfile(osp.join(str(tmp_path), 'cifar-10-batches-py',
                               'data_batch_5'))
    with pytest.raises(DataInputError, match='left untouched'):
        TinyCIFAR10(data_root=str(tmp_path), split='train',
                    generator_args=dict(num_classes=5))
    real = tmp_path / 'real' / 'cifar-100-python'
    real.mkdir(parents=True)
    (real / 'meta').write_bytes(b'not ours')
    with pytest.raises(ValueError, match='real dataset'):
        make_tiny_cifar(str(tmp_path / 'real'))
    assert (real / 'meta').read_bytes() == b'not ours'


def test_tiny_cifar_probe_reports_nine_widths(stock_train_run):
    run = stock_train_run(osp.join(
        REPO, 'configs/benchmarks/linear_probe/'
        'us3l_linear_us-r18-cifar_tiny-cifar100.py'))
    keys = {k for r in run['records'] for k in r
            if k.endswith('/accuracy/top1')}
    assert keys == {f'width_{w}/accuracy/top1' for w in
                    (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25)}


@pytest.mark.parametrize('network', ['r18', 'mbv2'])
def test_real_cifar100_recipe_trains_on_cifar100_files(network, tmp_path):
    """The real (not tiny) US3L CIFAR-100 recipe, two iterations under
    mmpretrain's train.py, its CIFAR100 reading the tiny files (the stock
    class without the real files' checksums)."""
    config = osp.join(REPO, 'configs/us3l/'
                      f'us3l_us-{network}-cifar_1xb512-coslr-400e_'
                      'cifar100.py')
    work_dir = tmp_path / 'work'
    run_stock_tool(stock_tool('mmpretrain', 'train.py'), [
        config, '--work-dir', str(work_dir), '--cfg-options',
        'train_dataloader.dataset.type=slimmm.TinyCIFAR100',
        f'train_dataloader.dataset.data_root={tmp_path / "data"}',
        'train_dataloader.dataset.indices=8', 'train_dataloader.batch_size=4',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'train_cfg.max_epochs=1',
        'default_hooks.checkpoint=None', 'default_hooks.logger.interval=1',
        'log_level=WARNING', f'visualizer.name=cifar_{network}'
    ])
    losses = [r['loss'] for r in logged_records(str(work_dir)) if 'loss' in r]
    assert len(losses) == 2 and all(np.isfinite(losses))
