"""Deterministic label subsets and the missing-image check."""
import os

import pytest

from slimmm.datasets import (LabelSubsetDataset, select_label_subset,
                             write_label_subset)

PAIRS = [(f'c{c}/img_{i:03d}.JPEG', c) for c in range(3) for i in range(40)]


def test_split_rule_counts_and_determinism():
    ten = select_label_subset(PAIRS, 0.1, seed=0)
    assert [sum(1 for _, c in ten if c == k) for k in range(3)] == [4, 4, 4]
    assert ten == select_label_subset(list(reversed(PAIRS)), 0.1, seed=0)
    assert ten != select_label_subset(PAIRS, 0.1, seed=1)
    one = select_label_subset(PAIRS, 0.01, seed=0)
    assert len(one) == 3  # at least one image per class
    with pytest.raises(ValueError, match='fraction'):
        select_label_subset(PAIRS, 0.0)


def test_subset_file_and_missing_images(tiny_imagenet, tmp_path):
    root = tiny_imagenet['root']
    out = str(tmp_path / 'train_10pct_seed0.txt')
    subset = write_label_subset(os.path.join(root, 'meta', 'train.txt'),
                                out, 0.1)
    assert len(subset) == 40
    assert write_label_subset(os.path.join(root, 'meta', 'train.txt'), out,
                              0.1) == subset  # idempotent, same file
    data = LabelSubsetDataset(data_root=root, ann_file=out,
                              data_prefix='train', pipeline=[])
    assert len(data) == 40
    bad = str(tmp_path / 'bad.txt')
    with open(bad, 'w') as f:
        f.write(open(out).read() + 'n00000000_circle/nope.JPEG 0\n')
    with pytest.raises(FileNotFoundError, match=r'(?s)1 of the 41 images.*'
                       r'nope\.JPEG'):
        LabelSubsetDataset(data_root=root, ann_file=bad, data_prefix='train',
                           pipeline=[])
    with pytest.raises(FileNotFoundError, match='make_label_subset.py'):
        LabelSubsetDataset(data_root=root, ann_file=str(tmp_path / 'x.txt'),
                           data_prefix='train', pipeline=[])
