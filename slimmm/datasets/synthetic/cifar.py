"""Tiny CIFAR-10 / CIFAR-100 in the datasets' own on-disk format.

The files are those mmpretrain's ``CIFAR10`` / ``CIFAR100`` read (and the
original ``cifar-*-python.tar.gz`` holds): pickled dicts with ``data`` (N x
3072 uint8, the red, green and blue planes of each 32 x 32 image in turn),
the labels (``labels``; CIFAR-100: ``fine_labels`` and ``coarse_labels``)
and ``filenames``, in

- CIFAR-10: ``root/cifar-10-batches-py/data_batch_1..5``, ``test_batch``,
  ``batches.meta`` (``label_names``);
- CIFAR-100: ``root/cifar-100-python/train``, ``test``, ``meta``
  (``fine_label_names``, ``coarse_label_names``).

The images are the drawn outlines of the tiny ImageNet
(:func:`~.drawing.outline_image`): label ``k`` of the first ``num_classes``
of the dataset's class list is shape ``k``; colour, texture, size and
position are nuisances. The class names are the stock ones, so a config's
``num_classes`` (10 / 100) stays the real dataset's.
"""
import json
import os
import os.path as osp
import pickle
from typing import Dict, List

import numpy as np
from mmpretrain.datasets.categories import (CIFAR10_CATEGORIES,
                                            CIFAR100_CATEGORIES)

from .drawing import OUTLINE_SHAPES, outline_image

GENERATOR_VERSION = 1
#: variant -> (folder, train files, test file, meta file, label keys)
LAYOUTS = {
    'cifar10': dict(folder='cifar-10-batches-py',
                    train=[f'data_batch_{i}' for i in range(1, 6)],
                    test='test_batch', meta='batches.meta',
                    classes=CIFAR10_CATEGORIES),
    'cifar100': dict(folder='cifar-100-python', train=['train'],
                     test='test', meta='meta', classes=CIFAR100_CATEGORIES),
}


def _entry(variant: str, images: np.ndarray, labels: List[int],
           names: List[str], batch: str) -> Dict:
    entry = dict(batch_label=batch, filenames=names,
                 data=images.transpose(0, 3, 1, 2).reshape(len(images), -1))
    if variant == 'cifar100':
        # The tiny data has no superclasses: every image is in superclass 0.
        entry.update(fine_labels=labels, coarse_labels=[0] * len(labels))
    else:
        entry['labels'] = labels
    return entry


def _dump(path: str, obj: Dict) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        pickle.dump(obj, f, protocol=2)
    os.replace(tmp, path)


def make_tiny_cifar(root: str, variant: str = 'cifar100',
                    num_classes: int = 10, train_per_class: int = 40,
                    test_per_class: int = 20, seed: int = 0) -> Dict:
    """Write the dataset under ``root`` (idempotent) and return its facts
    (``folder``: the dataset's directory inside ``root``)."""
    if variant not in LAYOUTS:
        raise ValueError(f'variant must be one of {sorted(LAYOUTS)}, got '
                         f'{variant!r}.')
    layout = LAYOUTS[variant]
    if not 2 <= num_classes <= len(OUTLINE_SHAPES):
        raise ValueError(
            f'num_classes must be in [2, {len(OUTLINE_SHAPES)}] (one per '
            f'shape of {OUTLINE_SHAPES}), got {num_classes}.')
    folder = osp.join(root, layout['folder'])
    stamp = osp.join(folder, 'generator.json')
    settings = dict(version=GENERATOR_VERSION, variant=variant,
                    num_classes=num_classes, train_per_class=train_per_class,
                    test_per_class=test_per_class, seed=seed)
    facts = dict(root=root, folder=folder, classes=list(
        layout['classes'][:num_classes]), num_train=train_per_class *
                 num_classes, num_test=test_per_class * num_classes)
    if osp.exists(osp.join(folder, layout['meta'])):
        made = None
        if osp.exists(stamp):
            with open(stamp) as f:
                made = json.load(f)
        if made != settings:
            raise ValueError(
                f'{folder} already holds CIFAR data '
                f'{"made with " + str(made) if made else "not made by this generator (the real dataset?)"}'  # noqa: E501
                f', not {settings}. It is left untouched: delete the folder '
                'or choose another data_root to generate this version.')
        return facts
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    splits = dict(train=train_per_class, test=test_per_class)
    for split, per_class in splits.items():
        images, labels, names = [], [], []
        for index in range(per_class):
            for label in range(num_classes):
                image = outline_image(rng, OUTLINE_SHAPES[label], 32)
                images.append(np.asarray(image, dtype=np.uint8))
                labels.append(label)
                names.append(f'{OUTLINE_SHAPES[label]}_{split}_{index}.png')
        images = np.stack(images)
        files = (layout['train'] if split == 'train' else [layout['test']])
        for part, indices in zip(files, np.array_split(
                np.arange(len(images)), len(files))):
            _dump(osp.join(folder, part),
                  _entry(variant, images[indices],
                         [labels[i] for i in indices],
                         [names[i] for i in indices], part))
    if variant == 'cifar100':
        meta = dict(fine_label_names=list(layout['classes']),
                    coarse_label_names=['tiny'])
    else:
        meta = dict(label_names=list(layout['classes']))
    with open(stamp, 'w') as f:
        json.dump(settings, f)
    # Written last: its presence marks a complete folder.
    _dump(osp.join(folder, layout['meta']), meta)
    return facts
