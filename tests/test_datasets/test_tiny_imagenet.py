"""The tiny ImageNet generator: layout, and refusal to reuse a folder made
with other settings or by an older generator (nothing is overwritten)."""
import os
import os.path as osp

import numpy as np
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


def test_class_is_the_outline_colour_is_a_nuisance(tmp_path):
    from PIL import Image

    from slimmm.datasets.synthetic.drawing import OUTLINE_SHAPES
    facts = make_tiny_imagenet(str(tmp_path / 'tiny'), num_classes=3,
                               train_per_class=12, val_per_class=1,
                               image_size=32)
    assert [c.split('_', 1)[1] for c in facts['classes']] == list(
        OUTLINE_SHAPES[:3])
    with open(osp.join(facts['root'], 'meta', 'train.txt')) as f:
        lines = [line.split() for line in f.read().split('\n')[:-1]]
    means = {}
    for name, label in lines:
        image = Image.open(osp.join(facts['root'], 'train', name))
        means.setdefault(label, []).append(
            np.asarray(image, dtype=float).mean((0, 1)))
    # Colour is drawn independently of the class: within every class the
    # mean image colour varies as much as across the whole dataset.
    spread = np.std(np.concatenate(list(means.values())), axis=0).mean()
    for label, values in means.items():
        assert np.std(values, axis=0).mean() > 0.5 * spread, label
    with pytest.raises(ValueError, match='num_classes'):
        make_tiny_imagenet(str(tmp_path / 'x'), num_classes=11)
