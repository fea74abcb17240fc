"""Tiny ADE20K: the real on-disk layout, label maps that match the drawn
shapes, deterministic and idempotent, refused when made otherwise, read by
mmseg's stock ADE20KDataset, and checked before a run (one line)."""
import hashlib
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from slimmm.datasets import DataInputError, check_data, make_tiny_ade20k

SMALL = dict(num_train=4, num_val=2)


def _digest(root):
    digest = hashlib.sha256()
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            with open(osp.join(folder, name), 'rb') as f:
                digest.update(name.encode() + f.read())
    return digest.hexdigest()


def test_layout_labels_determinism_and_refusal(tmp_path):
    facts = make_tiny_ade20k(str(tmp_path / 'a'), **SMALL)
    root = facts['root']
    for split, (folder, prefix, count) in dict(
            train=('training', 'ADE_train', 4),
            val=('validation', 'ADE_val', 2)).items():
        images = sorted(os.listdir(osp.join(root, 'images', folder)))
        labels = sorted(os.listdir(osp.join(root, 'annotations', folder)))
        assert images == [f'{prefix}_{i:08d}.jpg' for i in range(1, count + 1)]
        assert labels == [name[:-4] + '.png' for name in images]
    label = Image.open(osp.join(root, 'annotations', 'training',
                                'ADE_train_00000001.png'))
    assert label.mode == 'L' and label.size == (64, 64)
    values = np.unique(np.asarray(label))
    # 0: no shape (ignored after reduce_zero_label); k + 1: shape k.
    assert values[0] == 0 and 1 <= values[-1] <= len(facts['classes'])
    assert facts['classes'] == ('circle', 'square', 'triangle', 'star')
    # Same settings: same bytes; a second call keeps the folder as it is.
    digest = _digest(root)
    assert make_tiny_ade20k(root, **SMALL) == facts
    assert _digest(root) == digest
    assert _digest(make_tiny_ade20k(str(tmp_path / 'b'), **SMALL)['root']) \
        == digest
    with pytest.raises(ValueError, match='already holds tiny ADE20K data '
                       'made with .*delete the folder'):
        make_tiny_ade20k(root, num_train=4, num_val=2, seed=1)


def test_stock_dataset_reads_it_and_checks_refuse_missing_folders(
        tiny_ade20k, tmp_path):
    from mmseg.registry import DATASETS
    cfg = Config.fromfile(osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        'configs', 'benchmarks', 'mmsegmentation',
        'upernet_slimmable-r18_tiny-ade20k.py'))
    val = cfg.val_dataloader
    val.dataset.data_root = tiny_ade20k['root']
    # The stock class (its 150 class names; the tiny dataset names its
    # four shapes) reads the files as they are.
    dataset = DATASETS.build(dict(val.dataset, type='ADE20KDataset'))
    sample = dataset[0]
    assert len(dataset) == 16
    gt = sample['data_samples'].gt_sem_seg.data
    # reduce_zero_label: background -> 255, shape k + 1 -> k.
    assert set(gt.unique().tolist()) <= {0, 1, 2, 3, 255}
    reports = check_data(cfg, [val])
    assert reports[0]['num_images'] == 16
    broken = tmp_path / 'broken'
    shutil.copytree(tiny_ade20k['root'], broken)
    shutil.rmtree(broken / 'annotations' / 'validation')
    val.dataset.data_root = str(broken)
    with pytest.raises(DataInputError, match=r"(?s)^ADE20K ann_dir .*"
                       r"annotations/validation' \(data_prefix.seg_map_path\)"
                       r' does not exist; point data_root at the ADE20K '
                       r'dataset, laid out as <root>/images/'):
        check_data(cfg, [dict(val, dataset=dict(val.dataset,
                                                type='ADE20KDataset'))])
