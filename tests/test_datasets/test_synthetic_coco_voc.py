"""Tiny COCO / VOC generators: deterministic, valid files, and readable by
mmdet's stock CocoDataset / VOCDataset."""
import hashlib
import json
import os
import os.path as osp
import runpy
import sys
from xml.etree import ElementTree as ET

import numpy as np
import pytest

from slimmm.datasets import make_tiny_coco, make_tiny_voc
from slimmm.datasets.synthetic.coco import polygon_area
from slimmm.datasets.synthetic.voc import VOC_CLASSES

SMALL = dict(num_train=6, num_val=3, image_size=64)


def _digest(root):
    digest = hashlib.sha256()
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            path = osp.join(folder, name)
            digest.update(osp.relpath(path, root).encode())
            with open(path, 'rb') as f:
                digest.update(f.read())
    return digest.hexdigest()


def test_coco_deterministic_and_valid(tmp_path):
    a = make_tiny_coco(str(tmp_path / 'a'), **SMALL)
    b = make_tiny_coco(str(tmp_path / 'b'), **SMALL)
    c = make_tiny_coco(str(tmp_path / 'c'), seed=1, **SMALL)
    assert _digest(a['root']) == _digest(b['root'])
    assert _digest(a['root']) != _digest(c['root'])
    with open(a['ann_files']['train']) as f:
        content = json.load(f)
    assert [c['name'] for c in content['categories']] == list(a['classes'])
    assert len(content['images']) == 6
    ids = {im['id'] for im in content['images']}
    per_image = {}
    for ann in content['annotations']:
        assert ann['image_id'] in ids and ann['iscrowd'] == 0
        assert 1 <= ann['category_id'] <= len(a['classes'])
        polygon = np.array(ann['segmentation'][0]).reshape(-1, 2)
        x, y, w, h = ann['bbox']
        # The box is the polygon's extent; the area the polygon's area.
        assert np.allclose([x, y], polygon.min(0), atol=0.01)
        assert np.allclose([x + w, y + h], polygon.max(0), atol=0.02)
        assert ann['area'] == pytest.approx(
            polygon_area(polygon.tolist()), rel=1e-3)
        assert (polygon >= 0).all() and (polygon <= 63).all()
        per_image[ann['image_id']] = per_image.get(ann['image_id'], 0) + 1
    assert max(per_image.values()) > 1  # several objects per image
    # Idempotent: a second call leaves the files untouched.
    before = os.stat(a['ann_files']['val']).st_mtime_ns
    make_tiny_coco(a['root'], **SMALL)
    assert os.stat(a['ann_files']['val']).st_mtime_ns == before


def test_coco_loads_in_mmdet_and_pycocotools(tmp_path):
    from mmdet.datasets import CocoDataset
    from pycocotools.coco import COCO
    info = make_tiny_coco(str(tmp_path / 'coco'), **SMALL)
    coco = COCO(info['ann_files']['val'])
    ann = coco.loadAnns(coco.getAnnIds())[0]
    mask = coco.annToMask(ann)
    assert mask.shape == (64, 64) and 0 < mask.sum() <= ann['area'] * 1.5
    dataset = CocoDataset(
        data_root=info['root'],
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'), metainfo=dict(
            classes=info['classes']), pipeline=[], test_mode=False)
    assert len(dataset) == 6
    item = dataset[0]
    assert osp.isfile(item['img_path'])
    assert all(0 <= inst['bbox_label'] < len(info['classes'])
               for inst in item['instances'])
    assert all(len(inst['mask'][0]) >= 6 for inst in item['instances'])


def test_voc_deterministic_layout_and_mmdet(tmp_path):
    from mmdet.datasets import VOCDataset
    a = make_tiny_voc(str(tmp_path / 'a'), images_per_year=6, image_size=64)
    b = make_tiny_voc(str(tmp_path / 'b'), images_per_year=6, image_size=64)
    assert _digest(a['root']) == _digest(b['root'])
    assert set(a['classes']) <= set(VOC_CLASSES)
    for year in ('VOC2007', 'VOC2012'):
        main = osp.join(a['devkit'], year, 'ImageSets', 'Main')
        lists = {}
        for split in ('train', 'val', 'trainval', 'test'):
            with open(osp.join(main, f'{split}.txt')) as f:
                lists[split] = f.read().split()
        assert lists['trainval'] == lists['train'] + lists['val']
        assert len(lists['trainval']) == 6
        for image_id in lists['trainval'] + lists['test']:
            xml = ET.parse(osp.join(a['devkit'], year, 'Annotations',
                                    f'{image_id}.xml')).getroot()
            assert xml.find('size/width').text == '64'
            for obj in xml.findall('object'):
                assert obj.find('name').text in a['classes']
                box = [int(obj.find(f'bndbox/{k}').text)
                       for k in ('xmin', 'ymin', 'xmax', 'ymax')]
                assert 1 <= box[0] < box[2] <= 64 and 1 <= box[1] < box[3]
            assert osp.isfile(osp.join(a['devkit'], year, 'JPEGImages',
                                       f'{image_id}.jpg'))
    # VOC2007 test images are not train images.
    assert a['splits']['VOC2007']['test'] == 3
    dataset = VOCDataset(
        data_root=a['devkit'], ann_file='VOC2007/ImageSets/Main/trainval.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        metainfo=dict(classes=a['classes']), pipeline=[])
    assert len(dataset) == 6
    labels = [i['bbox_label'] for d in range(6)
              for i in dataset[d]['instances']]
    assert labels and all(0 <= lb < len(a['classes']) for lb in labels)


def test_make_tiny_data_cli(tmp_path, monkeypatch, capsys):
    script = osp.join(osp.dirname(__file__), '..', '..', 'tools',
                      'dataset_converters', 'make_tiny_data.py')
    for argv in (['coco', '--out', str(tmp_path / 'coco'), '--num-train',
                  '2', '--num-val', '1', '--image-size', '64'],
                 ['voc', '--out', str(tmp_path / 'voc'),
                  '--images-per-year', '2', '--image-size', '64'],
                 ['ade20k', '--out', str(tmp_path / 'ade20k'),
                  '--num-train', '2', '--num-val', '1']):
        monkeypatch.setattr(sys, 'argv', ['make_tiny_data.py', *argv])
        runpy.run_path(script, run_name='__main__')
    out = capsys.readouterr().out
    assert "coco:" in out and "'num_train': 2" in out and 'voc:' in out
    assert osp.isfile(tmp_path / 'coco/annotations/instances_val2017.json')
    assert osp.isfile(tmp_path / 'voc/VOCdevkit/VOC2012/ImageSets/Main/'
                      'test.txt')
    assert 'ade20k:' in out and osp.isfile(
        tmp_path / 'ade20k/annotations/validation/ADE_val_00000001.png')


def test_coco_objects_apart_and_folder_made_otherwise_refused(tmp_path):
    from pycocotools.coco import COCO
    info = make_tiny_coco(str(tmp_path / 'coco'), **dict(SMALL, num_train=12))
    coco = COCO(info['ann_files']['train'])
    for image_id in coco.getImgIds():
        masks = [coco.annToMask(a) for a in coco.loadAnns(
            coco.getAnnIds(imgIds=[image_id]))]
        # Objects are placed apart: each polygon is exactly its visible
        # mask, nothing is hidden behind a later object.
        assert sum(masks).max() <= 1, image_id
    val = info['ann_files']['val']
    before = os.stat(val).st_mtime_ns
    # Other sizes: the folder is kept as it is; other shapes: refused.
    make_tiny_coco(info['root'], **dict(SMALL, num_train=20))
    with pytest.raises(ValueError, match='left untouched'):
        make_tiny_coco(info['root'], **dict(SMALL, num_train=12,
                                            shapes=('circle', 'star')))
    os.remove(osp.join(info['root'], 'annotations', 'generator.json'))
    with pytest.raises(ValueError, match='older generator'):
        make_tiny_coco(info['root'], **dict(SMALL, num_train=12))
    assert os.stat(val).st_mtime_ns == before
