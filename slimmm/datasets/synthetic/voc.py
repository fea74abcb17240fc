"""A tiny Pascal VOC 07+12-layout detection dataset of drawn shapes.

Layout (as the VOC devkit's, so mmdet's stock ``VOCDataset`` and
``VOCMetric`` read it unchanged)::

    root/VOCdevkit/VOC{2007,2012}/JPEGImages/<id>.jpg
    root/VOCdevkit/VOC{2007,2012}/Annotations/<id>.xml
    root/VOCdevkit/VOC{2007,2012}/ImageSets/Main/{train,val,trainval,test}.txt

mmdet's ``VOCDataset`` has the 20 VOC classes built in, so each shape is
stored under a VOC class name (:data:`VOC_NAME_OF_SHAPE`); a config may list
only those names in ``metainfo=dict(classes=...)``.
"""
import os
import os.path as osp
from typing import Dict, Sequence
from xml.etree import ElementTree as ET

import numpy as np

from .coco import COCO_SHAPES, draw_scene
from .drawing import SHAPES

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
               'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse',
               'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
               'tvmonitor')
#: Shape -> the VOC class name it is stored under (same order as SHAPES).
VOC_NAME_OF_SHAPE = dict(zip(SHAPES, VOC_CLASSES))


def _xml(file_name: str, size: int, objects, names) -> bytes:
    root = ET.Element('annotation')
    ET.SubElement(root, 'folder').text = 'VOC'
    ET.SubElement(root, 'filename').text = file_name
    size_el = ET.SubElement(root, 'size')
    for key, value in (('width', size), ('height', size), ('depth', 3)):
        ET.SubElement(size_el, key).text = str(value)
    for label, polygon in objects:
        obj = ET.SubElement(root, 'object')
        ET.SubElement(obj, 'name').text = names[label]
        ET.SubElement(obj, 'pose').text = 'Unspecified'
        ET.SubElement(obj, 'truncated').text = '0'
        ET.SubElement(obj, 'difficult').text = '0'
        box = ET.SubElement(obj, 'bndbox')
        xs = [p[0] for p in polygon]
        ys = [p[1] for p in polygon]
        # VOC boxes are 1-based inclusive pixel indices.
        for key, value in (('xmin', min(xs)), ('ymin', min(ys)),
                           ('xmax', max(xs)), ('ymax', max(ys))):
            ET.SubElement(box, key).text = str(int(round(value)) + 1)
    return ET.tostring(root)


def make_tiny_voc(root: str, images_per_year: int = 32, image_size: int = 96,
                  max_objects: int = 3, shapes: Sequence[str] = COCO_SHAPES,
                  seed: int = 0) -> Dict:
    """Write the dataset under ``root`` (idempotent) and return its facts.

    Each year's images are split in half into ``train`` and ``val``
    (``trainval`` is both); VOC2007's ``test`` is a further
    ``images_per_year // 2`` images, VOC2012's ``test`` repeats its ``val``
    (real VOC2012 has no public test annotations; the file exists so both
    years look alike).

    Args:
        root (str): Output folder; the devkit is ``root/VOCdevkit``.
        images_per_year (int): Train + val images per year.
        image_size (int): Side of the square images, in pixels.
        max_objects (int): Most objects per image.
        shapes (Sequence[str]): Shapes drawn; each is stored as
            ``VOC_NAME_OF_SHAPE[shape]``.
        seed (int): Everything is drawn from this seed.

    Returns:
        dict: ``root``, ``devkit``, ``classes`` (VOC names used),
        ``shapes``, ``splits`` (year -> split -> number of images).
    """
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        raise ValueError(f'Unknown shapes {unknown}; choose from {SHAPES}.')
    if images_per_year < 2:
        raise ValueError('images_per_year must be >= 2 (train and val).')
    names = [VOC_NAME_OF_SHAPE[s] for s in shapes]
    devkit = osp.join(root, 'VOCdevkit')
    half = images_per_year // 2
    num_test = {'VOC2007': half, 'VOC2012': 0}
    marker = osp.join(devkit, 'VOC2012', 'ImageSets', 'Main', 'test.txt')
    if not osp.exists(marker):
        rng = np.random.default_rng(seed)
        for year in ('VOC2007', 'VOC2012'):
            base = osp.join(devkit, year)
            for sub in ('JPEGImages', 'Annotations',
                        osp.join('ImageSets', 'Main')):
                os.makedirs(osp.join(base, sub), exist_ok=True)
            ids = []
            for index in range(images_per_year + num_test[year]):
                image_id = f'{year[-4:]}_{index:06d}'
                image, objects = draw_scene(rng, image_size, shapes,
                                            max_objects)
                image.save(osp.join(base, 'JPEGImages', f'{image_id}.jpg'),
                           quality=95)
                with open(osp.join(base, 'Annotations', f'{image_id}.xml'),
                          'wb') as f:
                    f.write(_xml(f'{image_id}.jpg', image_size, objects,
                                 names))
                ids.append(image_id)
            split_ids = dict(train=ids[:half], val=ids[half:images_per_year])
            split_ids['trainval'] = ids[:images_per_year]
            split_ids['test'] = (ids[images_per_year:] if num_test[year]
                                 else split_ids['val'])
            # test.txt last: VOC2012's marks a complete dataset.
            for split in ('train', 'val', 'trainval', 'test'):
                path = osp.join(base, 'ImageSets', 'Main', f'{split}.txt')
                with open(path + '.tmp', 'w') as f:
                    f.write('\n'.join(split_ids[split]) + '\n')
                os.replace(path + '.tmp', path)
    splits = {
        year: dict(train=half, val=images_per_year - half,
                   trainval=images_per_year,
                   test=num_test[year] or images_per_year - half)
        for year in ('VOC2007', 'VOC2012')
    }
    return dict(root=root, devkit=devkit, classes=tuple(names),
                shapes=tuple(shapes), splits=splits)
