"""Checks of every dataset a config's dataloaders are about to build, run
before any training or evaluation starts.

A run spends hours (a transfer benchmark hours per width); a wrong dataset
path, annotation file or missing image should fail in seconds with a
message that names the file and the fix, not after the first epoch. Every
entry point (tools/train.py, tools/test.py, the transfer runners, the
evaluation commands) calls :func:`check_data` on the datasets it is about to
build.
"""
import json
import os.path as osp
from typing import Any, Dict, Iterator, List, Optional, Sequence

from mmengine.config import Config

from ..errors import DataInputError
from ..tiny import generate_for
from .classes import (check_classes, check_num_classes, coco_labels,
                      config_classes, voc_labels)
from .files import (SEGMENTATION_KINDS, _check_root, _join,
                    check_coco_annotation, check_image_folder,
                    check_segmentation_folders, check_voc_split)
from .recognition import check_recognition_files, recognition_type


def iter_dataset_cfgs(node: Any) -> Iterator[Dict]:
    """Leaf dataset configs (through Concat / Repeat / ClassBalanced)."""
    if not isinstance(node, dict):
        return
    if 'datasets' in node:
        for child in node['datasets']:
            yield from iter_dataset_cfgs(child)
    elif isinstance(node.get('dataset'), dict):
        yield from iter_dataset_cfgs(node['dataset'])
    elif 'type' in node:
        yield node


def dataloader_datasets(cfg: Config) -> List[Dict]:
    out = []
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if isinstance(loader, dict):
            out.extend(iter_dataset_cfgs(loader.get('dataset')))
    return out


def redirect_data_root(cfg: Config, root: str) -> Config:
    """Point every dataset and evaluator of ``cfg`` at ``root``.

    ``data_root`` is copied into the dataset dicts (and prefixed onto the
    evaluators' ``ann_file``) when a config file is read, so overriding the
    top-level ``data_root`` afterwards changes nothing; this rewrites all of
    them.
    """
    old = cfg.get('data_root')
    root = root if root.endswith('/') else root + '/'

    def rewrite(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == 'data_root' and isinstance(value, str):
                    node[key] = root
                elif (key == 'ann_file' and isinstance(value, str) and old
                      and value.startswith(old)):
                    node[key] = root + value[len(old):]
                else:
                    rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                'val_evaluator', 'test_evaluator'):
        if cfg.get(key) is not None:
            rewrite(cfg[key])
    cfg.data_root = root
    return cfg


def _dataset_kind(type_name: str) -> Optional[str]:
    if recognition_type(type_name):
        return 'recognition'
    name = type_name.split('.')[-1]
    if 'Coco' in name:
        return 'COCO'
    if 'VOC' in name or 'XML' in name:
        return 'VOC'
    if name in SEGMENTATION_KINDS:
        return SEGMENTATION_KINDS[name]
    if name in ('CustomDataset', 'ImageNet', 'ImageNet21k',
                'TinyImageNetDataset'):
        return 'ImageNet'
    return None


def check_data(cfg: Config, loaders: Sequence[Any] = (
        'train_dataloader', 'val_dataloader', 'test_dataloader')
               ) -> List[Dict]:
    """Check every dataset of the given dataloaders (keys of ``cfg`` or
    dataloader configs) before anything is built (COCO, VOC, ADE20K,
    Cityscapes and ImageNet-layout ones; other types are left to their own
    code).
    Tiny datasets (``slimmm.Tiny*``) generate their data first (they
    would when built)."""
    reports, seen = [], set()
    dataset_classes: Optional[List[str]] = None
    for key in loaders:
        loader = cfg.get(key) if isinstance(key, str) else key
        if not isinstance(loader, dict):
            continue
        for ds in iter_dataset_cfgs(loader.get('dataset')):
            kind = _dataset_kind(str(ds.get('type', '')))
            root = ds.get('data_root') or ''
            ann = _join(root, ds.get('ann_file', ''))
            if kind is None or (kind, root, ann, str(
                    ds.get('data_prefix'))) in seen:
                continue
            seen.add((kind, root, ann, str(ds.get('data_prefix'))))
            # A tiny dataset makes its data now (seconds), as it would when
            # built; then its files are checked like any other.
            generate_for(ds)
            if kind == 'recognition':
                reports.append(check_recognition_files(ds))
                continue
            if kind == 'COCO':
                _check_root(root, 'COCO')
                img = (ds.get('data_prefix') or {}).get('img')
                reports.append(check_coco_annotation(
                    ann, _join(root, img) if img else None))
                with open(ann) as f:
                    labels = coco_labels(json.load(f))
            elif kind in SEGMENTATION_KINDS.values():
                reports.append(check_segmentation_folders(ds, kind))
                classes = config_classes(ds)
                dataset_classes = dataset_classes or classes
                continue
            elif kind == 'VOC':
                _check_root(root, 'VOC')
                sub = _join(root, (ds.get('data_prefix') or {}).get(
                    'sub_data_root', ''))
                reports.append(check_voc_split(root, ann, sub))
                labels = voc_labels(ann, sub)
            else:
                reports.append(check_image_folder(ds))
                continue
            classes = config_classes(ds)
            if classes:
                filter_cfg = ds.get('filter_cfg') or {}
                reports[-1].update(check_classes(
                    ann, *labels, classes, not ds.get('test_mode', False)
                    and bool(filter_cfg.get('filter_empty_gt', False))))
                dataset_classes = dataset_classes or classes
    if dataset_classes:
        check_num_classes(cfg, dataset_classes)
    return reports


def check_datasets(cfg: Config) -> List[Dict]:
    """Check every dataset of the train / val / test dataloaders and the
    evaluators' annotation files."""
    reports = check_data(cfg)  # (tiny data generated by now)
    for key in ('val_evaluator', 'test_evaluator'):
        evaluator = cfg.get(key)
        for ev in (evaluator if isinstance(evaluator, list) else [evaluator]):
            if isinstance(ev, dict) and ev.get('ann_file') and \
                    not osp.isfile(ev['ann_file']):
                raise DataInputError(
                    f'{key}.ann_file {ev["ann_file"]!r} does not exist; it '
                    'must be the val annotation file of the dataset.')
    return reports
