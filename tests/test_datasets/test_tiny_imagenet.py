"""The tiny ImageNet generator: layout, and refusal to reuse a folder made
with other settings or by an older generator (nothing is overwritten)."""
import os
import os.path as osp

import pytest

from slimmm.datasets import make_tiny_imagenet

SMALL = dict(num_classes=2, train_per_class=2, val_per_class=1,
             image_size=16)


def test_layout_and_idempotent(tmp_path):
    root = str(tmp_path / 'tiny')
    facts = make_tiny_imagenet(root, **SMALL)
    assert (facts['num_train'], facts['num_val']) == (4, 2)
    with open(osp.join(root, 'meta', 'train.txt')) as f:
        lines = f.read().split('\n')[:-1]
    assert [line.split()[1] for line in lines] == ['0', '0', '1', '1']
    assert all(osp.exists(osp.join(root, 'train', line.split()[0]))
               for line in lines)
    assert make_tiny_imagenet(root, **SMALL) == facts  # reused as is


def test_refuses_a_folder_made_otherwise(tmp_path):
    root = str(tmp_path / 'tiny')
    make_tiny_imagenet(root, **SMALL)
    image = osp.join(root, 'val', sorted(os.listdir(
        osp.join(root, 'val')))[0])
    before = sorted(os.listdir(image))
    with pytest.raises(ValueError, match='left untouched'):
        make_tiny_imagenet(root, **dict(SMALL, seed=1))
    os.remove(osp.join(root, 'meta', 'generator.json'))
    with pytest.raises(ValueError, match='older generator'):
        make_tiny_imagenet(root, **SMALL)
    assert sorted(os.listdir(image)) == before
    with open(osp.join(root, 'meta', 'val.txt')) as f:
        assert len(f.read().split()) == 2 * 2  # name + label per image
    assert not osp.exists(osp.join(root, 'meta', 'generator.json'))
