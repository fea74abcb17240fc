"""A tiny ImageNet-layout dataset of drawn shapes (one shape per class).

Layout (as ImageNet's): ``root/{train,val}/<class>/<name>.JPEG`` and
``root/meta/{train,val}.txt`` with ``<class>/<name>.JPEG <label>`` lines.
The class is the outline alone (:data:`~.drawing.OUTLINE_SHAPES`); colour,
stripe texture (half of the objects, random angle and period), size,
position, rotation and background are nuisances drawn at random. A random
network's features follow colour and texture; features made invariant to
them (by SSL augmentations) are left with the shape, which is the class.
"""
import json
import os
import os.path as osp
from typing import Dict

import numpy as np

from .drawing import OUTLINE_SHAPES, outline_image

# Raised whenever the drawing changes, so that a folder made by an older
# version is not silently reused with numbers measured on the new one.
GENERATOR_VERSION = 3


def make_tiny_imagenet(root: str, num_classes: int = 10,
                       train_per_class: int = 40, val_per_class: int = 30,
                       image_size: int = 64, seed: int = 0) -> Dict:
    """Write the dataset under ``root`` (idempotent) and return its facts."""
    if not 2 <= num_classes <= len(OUTLINE_SHAPES):
        raise ValueError(
            f'num_classes must be in [2, {len(OUTLINE_SHAPES)}] (one per '
            f'shape of {OUTLINE_SHAPES}), got {num_classes}.')
    classes = [f'n{index:08d}_{OUTLINE_SHAPES[index]}'
               for index in range(num_classes)]
    marker = osp.join(root, 'meta', 'val.txt')
    stamp = osp.join(root, 'meta', 'generator.json')
    counts = {'train': train_per_class, 'val': val_per_class}
    settings = dict(version=GENERATOR_VERSION, num_classes=num_classes,
                    image_size=image_size, seed=seed, **{
                        f'{split}_per_class': n
                        for split, n in counts.items()})
    if osp.exists(marker):
        made = None
        if osp.exists(stamp):
            with open(stamp) as f:
                made = json.load(f)
        if made != settings:
            raise ValueError(
                f'{root} already holds tiny ImageNet data made '
                f'{"with " + str(made) if made else "by an older generator"}'
                f', not {settings}. It is left untouched: delete the folder '
                'or choose another output folder to generate this version.')
    else:
        rng = np.random.default_rng(seed)
        os.makedirs(osp.join(root, 'meta'), exist_ok=True)
        for split, per_class in counts.items():
            lines = []
            for label, name in enumerate(classes):
                os.makedirs(osp.join(root, split, name), exist_ok=True)
                for index in range(per_class):
                    image = outline_image(rng, OUTLINE_SHAPES[label],
                                          image_size)
                    relative = f'{name}/{split}_{index:05d}.JPEG'
                    image.save(osp.join(root, split, relative), quality=95)
                    lines.append(f'{relative} {label}')
            tmp = osp.join(root, 'meta', f'{split}.txt.tmp')
            with open(tmp, 'w') as f:
                f.write('\n'.join(lines) + '\n')
            os.replace(tmp, osp.join(root, 'meta', f'{split}.txt'))
        with open(stamp, 'w') as f:
            json.dump(settings, f)
    return dict(root=root, classes=classes, **{
        f'num_{split}': n * num_classes for split, n in counts.items()
    })
