"""Datasets of the tiny configs that generate their data on first use.

Each is the stock dataset class (mmpretrain ``CustomDataset`` /
``CIFAR10`` / ``CIFAR100``, mmdet ``VOCDataset`` / ``CocoDataset``, mmseg
``ADE20KDataset``) whose construction first calls the generator of
:mod:`slimmm.datasets.synthetic` for its root. The generator is idempotent
and deterministic: it writes the data when the folder is absent (seconds),
checks it when present, and refuses a folder made with other settings. So
``tools/train.py configs/<algo>/*tiny*.py`` (slimmm's or the stock
mmpretrain / mmdet / mmseg one) works on a fresh clone.
"""
import os
import os.path as osp
from functools import partial
from typing import Callable, Dict, Optional

from mmdet.datasets import CocoDataset, VOCDataset
from mmengine.dist import barrier, get_rank
from mmengine.logging import print_log
from mmpretrain.datasets import (CIFAR10, CIFAR100, DTD, CustomDataset,
                                 Flowers102, OxfordIIITPet)
from mmseg.datasets import ADE20KDataset

from ..registry import DATASETS
from .errors import DataInputError
from .synthetic import (make_tiny_ade20k, make_tiny_cifar, make_tiny_coco,
                        make_tiny_dtd, make_tiny_flowers102,
                        make_tiny_imagenet, make_tiny_pets, make_tiny_voc)
from .synthetic.coco import COCO_SHAPES


def make_on_first_use(generate: Callable[..., Dict], root: str,
                      generator_args: Optional[Dict] = None) -> None:
    """Run ``generate(root, **generator_args)`` on rank 0 (the others wait
    for it), logging when it writes a new folder. A folder made with other
    settings is refused with a :class:`DataInputError`."""
    if get_rank() == 0:
        fresh = not osp.isdir(root) or not os.listdir(root)
        try:
            generate(root, **(generator_args or {}))
        except ValueError as error:
            raise DataInputError(str(error)) from error
        if fresh:
            print_log(f'Generated the tiny dataset {root!r} (first use).',
                      logger='current')
    barrier()


@DATASETS.register_module()
class TinyImageNetDataset(CustomDataset):
    """mmpretrain's ``CustomDataset`` on the tiny ImageNet-layout data
    (:func:`~slimmm.datasets.make_tiny_imagenet`), generated on first use.

    Args:
        data_root (str): The dataset root (the generator's output folder).
        generator_args (dict, optional): Settings of the generator
            (defaults: its own).
        **kwargs: ``CustomDataset`` arguments.
    """

    def __init__(self, data_root: str = '',
                 generator_args: Optional[Dict] = None, **kwargs) -> None:
        make_on_first_use(make_tiny_imagenet, data_root, generator_args)
        super().__init__(data_root=data_root, **kwargs)


@DATASETS.register_module()
class TinyVOCDataset(VOCDataset):
    """mmdet's ``VOCDataset`` on the tiny VOC 07+12 data
    (:func:`~slimmm.datasets.make_tiny_voc`), generated on first use;
    ``data_root`` is the devkit (``<out>/VOCdevkit/``)."""

    def __init__(self, data_root: str = '',
                 generator_args: Optional[Dict] = None, **kwargs) -> None:
        make_on_first_use(make_tiny_voc, osp.dirname(
            osp.normpath(data_root)), generator_args)
        super().__init__(data_root=data_root, **kwargs)


@DATASETS.register_module()
class TinyCocoDataset(CocoDataset):
    """mmdet's ``CocoDataset`` on the tiny COCO-layout data
    (:func:`~slimmm.datasets.make_tiny_coco`), generated on first use."""

    def __init__(self, data_root: str = '',
                 generator_args: Optional[Dict] = None, **kwargs) -> None:
        make_on_first_use(make_tiny_coco, data_root, generator_args)
        super().__init__(data_root=data_root, **kwargs)


#: Dataset type -> generator, and the generator's root from ``data_root``.
GENERATORS = {
    'TinyImageNetDataset': (make_tiny_imagenet, lambda root: root),
    'TinyVOCDataset': (make_tiny_voc,
                       lambda root: osp.dirname(osp.normpath(root))),
    'TinyCocoDataset': (make_tiny_coco, lambda root: root),
    'TinyCIFAR10': (partial(make_tiny_cifar, variant='cifar10'),
                    lambda root: root),
    'TinyCIFAR100': (partial(make_tiny_cifar, variant='cifar100'),
                     lambda root: root),
    'TinyFlowers102': (make_tiny_flowers102, lambda root: root),
    'TinyOxfordIIITPet': (make_tiny_pets, lambda root: root),
    'TinyDTD': (make_tiny_dtd, lambda root: root),
    'TinyADE20KDataset': (make_tiny_ade20k, lambda root: root),
}


def generate_for(dataset_cfg: Dict) -> bool:
    """Generate the data of a tiny dataset config now (what building it
    would do); False when the config is not a tiny dataset."""
    name = str(dataset_cfg.get('type', '')).split('.')[-1]
    if name not in GENERATORS:
        return False
    generate, out = GENERATORS[name]
    make_on_first_use(generate, out(dataset_cfg.get('data_root') or ''),
                      dataset_cfg.get('generator_args'))
    return True


def _without_checksums(files):
    return [[name, None] for name, _ in files]


class _MadeOnFirstUse:
    """A stock dataset class whose data (:data:`GENERATORS`, by the class
    name) is generated under ``data_root`` on first use."""

    def __init__(self, data_root: str = '',
                 generator_args: Optional[Dict] = None, **kwargs) -> None:
        generate_for(dict(type=type(self).__name__, data_root=data_root,
                          generator_args=generator_args))
        super().__init__(data_root=data_root, **kwargs)


class _GeneratedCIFAR(_MadeOnFirstUse):
    """The stock CIFAR class on the tiny files: the real files' checksums
    are not asked for, and nothing is downloaded."""

    def __init__(self, data_root: str = '',
                 generator_args: Optional[Dict] = None, **kwargs) -> None:
        kwargs.setdefault('download', False)
        super().__init__(data_root, generator_args, **kwargs)


@DATASETS.register_module()
class TinyCIFAR100(_GeneratedCIFAR, CIFAR100):
    """mmpretrain's ``CIFAR100`` on the tiny CIFAR-100 files
    (:func:`~slimmm.datasets.make_tiny_cifar`), generated on first use.

    Args:
        data_root (str): The folder holding ``cifar-100-python/``.
        generator_args (dict, optional): Settings of the generator.
        **kwargs: ``CIFAR100`` arguments (``split``, ``pipeline``, ...).
    """
    train_list = _without_checksums(CIFAR100.train_list)
    test_list = _without_checksums(CIFAR100.test_list)
    meta = dict(CIFAR100.meta, md5=None)


@DATASETS.register_module()
class TinyCIFAR10(_GeneratedCIFAR, CIFAR10):
    """mmpretrain's ``CIFAR10`` on the tiny CIFAR-10 files, generated on
    first use (see :class:`TinyCIFAR100`)."""
    train_list = _without_checksums(CIFAR10.train_list)
    test_list = _without_checksums(CIFAR10.test_list)
    meta = dict(CIFAR10.meta, md5=None)


@DATASETS.register_module()
class TinyFlowers102(_MadeOnFirstUse, Flowers102):
    """mmpretrain's ``Flowers102`` on tiny files in its layout
    (:func:`~slimmm.datasets.make_tiny_flowers102`), generated on first
    use."""


@DATASETS.register_module()
class TinyOxfordIIITPet(_MadeOnFirstUse, OxfordIIITPet):
    """mmpretrain's ``OxfordIIITPet`` on tiny files in its layout
    (:func:`~slimmm.datasets.make_tiny_pets`), generated on first use."""


@DATASETS.register_module()
class TinyDTD(_MadeOnFirstUse, DTD):
    """mmpretrain's ``DTD`` on tiny files in its layout
    (:func:`~slimmm.datasets.make_tiny_dtd`), generated on first use."""


@DATASETS.register_module()
class TinyADE20KDataset(_MadeOnFirstUse, ADE20KDataset):
    """mmseg's ``ADE20KDataset`` on tiny files in its layout
    (:func:`~slimmm.datasets.make_tiny_ade20k`), generated on first use.

    Its classes are the generator's default shapes, not ADE20K's 150: the
    label maps hold ``k + 1`` for shape ``k`` (0: no shape, ignored after
    the stock ``reduce_zero_label``), and ADE20K's names would leave 146
    classes that never occur in the mIoU. mmseg refuses
    ``metainfo=dict(classes=...)`` with names its class does not list, so
    data made with other ``shapes`` needs a subclass whose ``METAINFO``
    names them.
    """
    METAINFO = dict(
        classes=COCO_SHAPES,
        palette=ADE20KDataset.METAINFO['palette'][:len(COCO_SHAPES)])
