"""A tiny COCO-format instance segmentation dataset of drawn shapes.

Layout (as COCO 2017's, so mmdet's stock ``CocoDataset`` and ``CocoMetric``
read it unchanged)::

    root/annotations/instances_{train,val}2017.json
    root/{train,val}2017/<id>.jpg

Each image holds one or more large shapes (the category is the outline)
on a noisy background; colour (contrasting with the background) and a
stripe texture on half of the objects are nuisances. Every object has a
polygon ``segmentation``, its ``bbox`` (``[x, y, w, h]``), ``area`` (the
polygon's area) and ``iscrowd = 0``. Objects are placed apart (their
circumscribed circles do not overlap), so each polygon is exactly the
visible mask and a box AP at strict IoUs is reachable in a short CPU run.
"""
import json
import math
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .drawing import (SHAPES, contrasting_color, draw_shape, noisy_background,
                      nuisance_texture)

# Raised whenever the drawing changes, so that a folder made by an older
# version is not silently reused with numbers measured on the new one.
GENERATOR_VERSION = 2

#: Shapes used by default: distinct outlines, so the boxes and masks are
#: learnable in a few iterations.
COCO_SHAPES = ('circle', 'square', 'triangle', 'star')


def polygon_area(polygon: Sequence[Tuple[float, float]]) -> float:
    """Shoelace area of a simple polygon."""
    xs = np.array([p[0] for p in polygon])
    ys = np.array([p[1] for p in polygon])
    return float(abs(np.dot(xs, np.roll(ys, -1)) -
                     np.dot(ys, np.roll(xs, -1))) / 2)


def clip_polygon(polygon, size: int) -> List[Tuple[float, float]]:
    return [(min(max(x, 0.0), size - 1.0), min(max(y, 0.0), size - 1.0))
            for x, y in polygon]


def draw_scene(rng: np.random.Generator, image_size: int,
               shapes: Sequence[str], max_objects: int,
               radius_range: Tuple[float, float] = (0.16, 0.28)):
    """One image with 1..``max_objects`` shapes that do not overlap;
    returns the image and the ``(label, polygon)`` of each object.

    Args:
        radius_range: Object radius as a fraction of ``image_size``.
    """
    image = noisy_background(rng, image_size)
    objects, placed = [], []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        # Rejection sampling: a few tries for a free spot, else fewer
        # objects in this image.
        for _ in range(20):
            r = rng.uniform(*radius_range) * image_size
            cx, cy = rng.uniform(r, image_size - r, size=2)
            if all(math.hypot(cx - x, cy - y) > r + q + 2
                   for x, y, q in placed):
                break
        else:
            continue
        placed.append((cx, cy, r))
        label = int(rng.integers(len(shapes)))
        color = contrasting_color(rng, image, cx, cy)
        polygon = draw_shape(image, shapes[label], cx, cy, r, color, rng,
                             angle=rng.uniform(-0.3, 0.3))
        if rng.random() < 0.5:
            nuisance_texture(image, polygon, color, rng)
        objects.append((label, clip_polygon(polygon, image_size)))
    return image, objects


def _annotation(ann_id: int, image_id: int, category_id: int,
                polygon) -> Dict:
    xs = [p[0] for p in polygon]
    ys = [p[1] for p in polygon]
    x0, y0 = min(xs), min(ys)
    return dict(
        id=ann_id, image_id=image_id, category_id=category_id,
        segmentation=[[round(v, 2) for p in polygon for v in p]],
        bbox=[round(x0, 2), round(y0, 2), round(max(xs) - x0, 2),
              round(max(ys) - y0, 2)],
        area=round(polygon_area(polygon), 2), iscrowd=0)


def make_tiny_coco(root: str, num_train: int = 160, num_val: int = 40,
                   image_size: int = 96, max_objects: int = 2,
                   shapes: Sequence[str] = COCO_SHAPES,
                   seed: int = 0) -> Dict:
    """Write the dataset under ``root`` (idempotent) and return its facts.
    A folder made by another version of the drawing or with other shapes
    is refused; one of other sizes is kept as it is.

    Args:
        root (str): Output folder (e.g. ``data/tiny_coco``).
        num_train (int): Training images.
        num_val (int): Validation images.
        image_size (int): Side of the square images, in pixels.
        max_objects (int): Most objects per image (at least one).
        shapes (Sequence[str]): One category per shape, from
            :data:`~slimmm.datasets.synthetic.drawing.SHAPES`.
        seed (int): Everything is drawn from this seed.

    Returns:
        dict: ``root``, ``classes``, ``ann_files`` (split -> path),
        ``num_train``, ``num_val``.
    """
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        raise ValueError(f'Unknown shapes {unknown}; choose from {SHAPES}.')
    if max_objects < 1:
        raise ValueError(f'max_objects must be >= 1, got {max_objects}.')
    categories = [dict(id=i + 1, name=name, supercategory='shape')
                  for i, name in enumerate(shapes)]
    counts = {'train': num_train, 'val': num_val}
    ann_files = {split: osp.join(root, 'annotations',
                                 f'instances_{split}2017.json')
                 for split in counts}
    stamp = osp.join(root, 'annotations', 'generator.json')
    settings = dict(version=GENERATOR_VERSION, num_train=num_train,
                    num_val=num_val, image_size=image_size,
                    max_objects=max_objects, shapes=list(shapes), seed=seed)
    # The val JSON is written last: its presence marks a complete dataset.
    if osp.exists(ann_files['val']):
        made = None
        if osp.exists(stamp):
            with open(stamp) as f:
                made = json.load(f)
        # Only the drawing (version) and the categories must match: the
        # tests and the tiny configs share folders of other sizes, read as
        # they are (the annotation files say what they hold).
        if made is None or any(made.get(key) != settings[key]
                               for key in ('version', 'shapes')):
            raise ValueError(
                f'{root} already holds tiny COCO data made '
                f'{"with " + str(made) if made else "by an older generator"}'
                f', not {settings}. It is left untouched: delete the folder '
                'or choose another output folder to generate this version.')
    else:
        rng = np.random.default_rng(seed)
        os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
        image_id = ann_id = 0
        for split, count in counts.items():
            folder = osp.join(root, f'{split}2017')
            os.makedirs(folder, exist_ok=True)
            images, annotations = [], []
            for _ in range(count):
                image_id += 1
                image, objects = draw_scene(rng, image_size, shapes,
                                            max_objects)
                file_name = f'{image_id:012d}.jpg'
                image.save(osp.join(folder, file_name), quality=95)
                images.append(dict(id=image_id, file_name=file_name,
                                   width=image_size, height=image_size))
                for label, polygon in objects:
                    ann_id += 1
                    annotations.append(
                        _annotation(ann_id, image_id, label + 1, polygon))
            content = dict(
                info=dict(description='slimmm tiny COCO (drawn shapes)'),
                licenses=[], images=images, annotations=annotations,
                categories=categories)
            tmp = ann_files[split] + '.tmp'
            with open(tmp, 'w') as f:
                json.dump(content, f)
            if split == 'val':
                with open(stamp, 'w') as f:
                    json.dump(settings, f)
            os.replace(tmp, ann_files[split])
    return dict(root=root, classes=tuple(shapes), ann_files=ann_files,
                num_train=num_train, num_val=num_val)
