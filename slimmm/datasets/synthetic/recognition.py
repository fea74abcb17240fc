"""Tiny Flowers-102, Oxford-IIIT Pets and DTD in their real on-disk layouts.

Each writes the files mmpretrain's stock dataset class reads:

- ``Flowers102``: ``jpg/image_%05d.jpg``, ``imagelabels.mat`` (``labels``:
  1-based class of every image) and ``setid.mat`` (``trnid``, ``valid``,
  ``tstid``: 1-based image ids of each split);
- ``OxfordIIITPet``: ``images/<Breed>_<k>.jpg`` and
  ``annotations/{trainval,test,list}.txt`` with ``<image> <class id>
  <species> <breed id>`` lines (1-based class ids);
- ``DTD``: ``images/<class>/<class>_%04d.jpg`` and ``imdb/imdb.mat``
  (``images.name``, ``images.class`` 1-based, ``images.set``: 1 train, 2
  val, 3 test), plus ``labels/{train,val,test}1.txt``.

The images are the drawn outlines of the tiny ImageNet
(:func:`~.drawing.outline_image`): class ``k`` of the first
``num_classes`` of the dataset's stock class list is shape ``k``.
"""
import json
import os
import os.path as osp
from typing import Callable, Dict, List, Sequence, Tuple

import mat4py
import numpy as np
from mmpretrain.datasets.categories import (DTD_CATEGORIES,
                                            OxfordIIITPet_CATEGORIES)

from .drawing import OUTLINE_SHAPES, outline_image

GENERATOR_VERSION = 1
#: Flowers-102 has 102 classes; mmpretrain names none of them.
FLOWERS102_CLASSES = 102
#: split name -> (images per class, DTD's set id / Flowers' setid key)
SPLITS: Dict[str, Tuple[str, int]] = {
    'train': ('trnid', 1), 'val': ('valid', 2), 'test': ('tstid', 3)}


def _draw_splits(root: str, num_classes: int, per_split: Dict[str, int],
                 image_size: int, seed: int,
                 image_path: Callable[[int, int, str], str]
                 ) -> List[Tuple[str, int, str]]:
    """Draw every image; returns ``(relative path, 0-based label, split)``
    in writing order (per split, per index, per class)."""
    rng = np.random.default_rng(seed)
    written = []
    for split, count in per_split.items():
        for index in range(count):
            for label in range(num_classes):
                relative = image_path(label, len(written) + 1, split)
                path = osp.join(root, relative)
                os.makedirs(osp.dirname(path), exist_ok=True)
                outline_image(rng, OUTLINE_SHAPES[label],
                              image_size).save(path, quality=95)
                written.append((relative, label, split))
    return written


def _make(root: str, name: str, marker: str, settings: Dict,
          write: Callable[[], None]) -> Dict:
    """Idempotent generation: write when ``marker`` is absent, otherwise
    refuse a folder made with other settings (or not by this generator)."""
    stamp = osp.join(root, 'tiny_generator.json')
    if osp.exists(osp.join(root, marker)):
        made = None
        if osp.exists(stamp):
            with open(stamp) as f:
                made = json.load(f)
        if made != settings:
            raise ValueError(
                f'{root} already holds {name} data '
                f'{"made with " + str(made) if made else "not made by this generator (the real dataset?)"}'  # noqa: E501
                f', not {settings}. It is left untouched: delete the folder '
                'or choose another data_root to generate this version.')
    else:
        os.makedirs(root, exist_ok=True)
        write()
        with open(stamp, 'w') as f:
            json.dump(settings, f)
    return dict(root=root, **settings)


def _check_classes(num_classes: int, stock: int) -> None:
    limit = min(len(OUTLINE_SHAPES), stock)
    if not 2 <= num_classes <= limit:
        raise ValueError(f'num_classes must be in [2, {limit}] (one drawn '
                         f'shape per class), got {num_classes}.')


def make_tiny_flowers102(root: str, num_classes: int = 10,
                         per_class: Sequence[int] = (4, 2, 4),
                         image_size: int = 64, seed: int = 0) -> Dict:
    """Tiny Flowers-102 under ``root``; ``per_class``: train / val / test
    images per class."""
    _check_classes(num_classes, FLOWERS102_CLASSES)
    settings = dict(version=GENERATOR_VERSION, dataset='Flowers102',
                    num_classes=num_classes, per_class=list(per_class),
                    image_size=image_size, seed=seed)

    def write():
        written = _draw_splits(
            root, num_classes, dict(zip(SPLITS, per_class)), image_size,
            seed, lambda label, number, split: f'jpg/image_{number:05d}.jpg')
        ids = {key: [] for key, _ in SPLITS.values()}
        for number, (_, _, split) in enumerate(written, start=1):
            ids[SPLITS[split][0]].append(number)
        mat4py.savemat(osp.join(root, 'setid.mat'), ids)
        # Written last: its presence marks a complete folder.
        mat4py.savemat(osp.join(root, 'imagelabels.mat'),
                       dict(labels=[label + 1 for _, label, _ in written]))

    return _make(root, 'Flowers102', 'imagelabels.mat', settings, write)


def make_tiny_pets(root: str, num_classes: int = 10,
                   per_class: Sequence[int] = (6, 4),
                   image_size: int = 64, seed: int = 0) -> Dict:
    """Tiny Oxford-IIIT Pets under ``root``; ``per_class``: trainval / test
    images per class. Image names are the stock breed names (capitalised
    for cats, as the real files)."""
    _check_classes(num_classes, len(OxfordIIITPet_CATEGORIES))
    settings = dict(version=GENERATOR_VERSION, dataset='OxfordIIITPet',
                    num_classes=num_classes, per_class=list(per_class),
                    image_size=image_size, seed=seed)
    breeds = list(OxfordIIITPet_CATEGORIES[:num_classes])

    def write():
        counts = dict(trainval=per_class[0], test=per_class[1])
        written = _draw_splits(
            root, num_classes, counts, image_size, seed,
            lambda label, number, split:
            f'images/{breeds[label]}_{number}.jpg')
        os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
        lines = {split: [] for split in counts}
        for relative, label, split in written:
            stem = osp.splitext(osp.basename(relative))[0]
            # <image> <class id> <species: 1 cat, 2 dog> <breed id>
            lines[split].append(f'{stem} {label + 1} {1 + label % 2} '
                                f'{label // 2 + 1}')
        for split in ('test', 'trainval'):  # trainval.txt marks completion
            with open(osp.join(root, 'annotations', f'{split}.txt'),
                      'w') as f:
                f.write('\n'.join(lines[split]) + '\n')
        with open(osp.join(root, 'annotations', 'list.txt'), 'w') as f:
            f.write('\n'.join(lines['trainval'] + lines['test']) + '\n')

    return _make(root, 'OxfordIIITPet', 'annotations/trainval.txt', settings,
                 write)


def make_tiny_dtd(root: str, num_classes: int = 10,
                  per_class: Sequence[int] = (4, 2, 4),
                  image_size: int = 64, seed: int = 0) -> Dict:
    """Tiny DTD under ``root``; ``per_class``: train / val / test images
    per class (DTD's split 1)."""
    _check_classes(num_classes, len(DTD_CATEGORIES))
    settings = dict(version=GENERATOR_VERSION, dataset='DTD',
                    num_classes=num_classes, per_class=list(per_class),
                    image_size=image_size, seed=seed)
    classes = list(DTD_CATEGORIES[:num_classes])

    def write():
        written = _draw_splits(
            root, num_classes, dict(zip(SPLITS, per_class)), image_size,
            seed, lambda label, number, split:
            f'images/{classes[label]}/{classes[label]}_{number:04d}.jpg')
        names = [relative[len('images/'):] for relative, _, _ in written]
        os.makedirs(osp.join(root, 'labels'), exist_ok=True)
        for split in SPLITS:
            with open(osp.join(root, 'labels', f'{split}1.txt'), 'w') as f:
                f.write('\n'.join(n for n, (_, _, s) in zip(names, written)
                                  if s == split) + '\n')
        os.makedirs(osp.join(root, 'imdb'), exist_ok=True)
        # Written last: its presence marks a complete folder.
        mat4py.savemat(osp.join(root, 'imdb', 'imdb.mat'), dict(images=dict(
            name=names,
            **{'class': [label + 1 for _, label, _ in written]},
            set=[SPLITS[split][1] for _, _, split in written])))

    return _make(root, 'DTD', 'imdb/imdb.mat', settings, write)
