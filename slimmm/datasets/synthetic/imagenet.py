"""A tiny ImageNet-layout dataset of drawn shapes (one shape per class).

Layout (as ImageNet's): ``root/{train,val}/<class>/<name>.JPEG`` and
``root/meta/{train,val}.txt`` with ``<class>/<name>.JPEG <label>`` lines.
The class is the shape with its texture; colour, size, position, rotation
and background vary, so a network has to learn shape to classify.
"""
import os
import os.path as osp
from typing import Dict

import numpy as np

from .drawing import (SHAPES, draw_shape, noisy_background, random_color,
                      stripe_texture)


def make_tiny_imagenet(root: str, num_classes: int = 10,
                       train_per_class: int = 40, val_per_class: int = 30,
                       image_size: int = 64, seed: int = 0) -> Dict:
    """Write the dataset under ``root`` (idempotent) and return its facts."""
    if num_classes > len(SHAPES):
        raise ValueError(f'At most {len(SHAPES)} classes (one per shape).')
    classes = [f'n{index:08d}_{SHAPES[index]}'
               for index in range(num_classes)]
    marker = osp.join(root, 'meta', 'val.txt')
    counts = {'train': train_per_class, 'val': val_per_class}
    if not osp.exists(marker):
        rng = np.random.default_rng(seed)
        os.makedirs(osp.join(root, 'meta'), exist_ok=True)
        for split, per_class in counts.items():
            lines = []
            for label, name in enumerate(classes):
                os.makedirs(osp.join(root, split, name), exist_ok=True)
                for index in range(per_class):
                    image = noisy_background(rng, image_size)
                    r = rng.uniform(0.3, 0.45) * image_size
                    cx, cy = rng.uniform(r, image_size - r, size=2)
                    color = random_color(rng)
                    polygon = draw_shape(image, SHAPES[label], cx, cy, r,
                                         color, rng,
                                         angle=rng.uniform(-0.3, 0.3))
                    stripe_texture(image, polygon, label, num_classes, color)
                    relative = f'{name}/{split}_{index:05d}.JPEG'
                    image.save(osp.join(root, split, relative), quality=95)
                    lines.append(f'{relative} {label}')
            tmp = osp.join(root, 'meta', f'{split}.txt.tmp')
            with open(tmp, 'w') as f:
                f.write('\n'.join(lines) + '\n')
            os.replace(tmp, osp.join(root, 'meta', f'{split}.txt'))
    return dict(root=root, classes=classes, **{
        f'num_{split}': n * num_classes for split, n in counts.items()
    })
