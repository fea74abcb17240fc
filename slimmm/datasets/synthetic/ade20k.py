"""A tiny ADE20K-layout semantic segmentation dataset of drawn shapes.

Layout (as ``ADEChallengeData2016``'s, so mmseg's stock ``ADE20KDataset``
and ``IoUMetric`` read it unchanged)::

    root/images/{training,validation}/ADE_{train,val}_%08d.jpg
    root/annotations/{training,validation}/ADE_{train,val}_%08d.png

Each image holds one to ``max_objects`` non-overlapping shapes on a noisy
background (:func:`~.coco.draw_scene`, the scenes of the tiny COCO: the
outline is the class, colour and stripes are nuisances). The label map is
an 8-bit PNG of the same size: 0 where no shape is (ADE20K's "other", which
``reduce_zero_label=True`` turns into the ignored 255) and ``k + 1`` inside
shape ``k``, so the classes after reduction are ``0 .. len(shapes) - 1`` in
the order of ``shapes``.
"""
import os
import os.path as osp
from typing import Dict, Sequence

import numpy as np
from PIL import Image, ImageDraw

from .coco import COCO_SHAPES, draw_scene
from .drawing import SHAPES
# The idempotent write-once-then-check of the tiny datasets.
from .recognition import _make

GENERATOR_VERSION = 1
#: split -> (folder name, file name prefix) as in ADEChallengeData2016.
ADE20K_SPLITS = {'train': ('training', 'ADE_train'),
                 'val': ('validation', 'ADE_val')}


def label_map(image_size: int, objects) -> Image.Image:
    """The PNG label map of one scene: 0 outside the shapes, ``label + 1``
    inside each."""
    labels = Image.new('L', (image_size, image_size), 0)
    draw = ImageDraw.Draw(labels)
    for label, polygon in objects:
        draw.polygon(polygon, fill=label + 1)
    return labels


def make_tiny_ade20k(root: str, num_train: int = 32, num_val: int = 16,
                     image_size: int = 64, max_objects: int = 3,
                     shapes: Sequence[str] = COCO_SHAPES,
                     seed: int = 0) -> Dict:
    """Write the dataset under ``root`` (idempotent) and return its facts.
    A folder made with other settings, or not by this generator, is
    refused.

    Args:
        root (str): Output folder (e.g. ``data/tiny_ade20k``).
        num_train (int): Training images.
        num_val (int): Validation images.
        image_size (int): Side of the square images, in pixels.
        max_objects (int): Most shapes per image (at least one).
        shapes (Sequence[str]): One class per shape, from
            :data:`~slimmm.datasets.synthetic.drawing.SHAPES`.
        seed (int): Everything is drawn from this seed.

    Returns:
        dict: ``root``, ``classes`` (the shapes, in label order) and the
        settings (``num_train``, ``num_val``, ``image_size``, ...).
    """
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        raise ValueError(f'Unknown shapes {unknown}; choose from {SHAPES}.')
    if max_objects < 1:
        raise ValueError(f'max_objects must be >= 1, got {max_objects}.')
    if num_train < 1 or num_val < 1:
        raise ValueError(f'num_train and num_val must be >= 1, got '
                         f'{num_train} and {num_val}.')
    counts = dict(train=num_train, val=num_val)
    settings = dict(version=GENERATOR_VERSION, dataset='ADE20K',
                    num_train=num_train, num_val=num_val,
                    image_size=image_size, max_objects=max_objects,
                    shapes=list(shapes), seed=seed)
    folder, prefix = ADE20K_SPLITS['val']
    # The last label map written marks a complete folder.
    marker = f'annotations/{folder}/{prefix}_{num_val:08d}.png'

    def write():
        rng = np.random.default_rng(seed)
        for split, count in counts.items():
            folder, prefix = ADE20K_SPLITS[split]
            for sub in ('images', 'annotations'):
                os.makedirs(osp.join(root, sub, folder), exist_ok=True)
            for number in range(1, count + 1):
                stem = f'{prefix}_{number:08d}'
                image, objects = draw_scene(rng, image_size, shapes,
                                            max_objects)
                image.save(osp.join(root, 'images', folder, f'{stem}.jpg'),
                           quality=95)
                label_map(image_size, objects).save(
                    osp.join(root, 'annotations', folder, f'{stem}.png'))

    facts = _make(root, 'tiny ADE20K', marker, settings, write)
    return dict(facts, classes=tuple(shapes))
