"""File checks of the stock recognition datasets (mmpretrain's CIFAR,
Flowers-102, Oxford-IIIT Pets, DTD)."""
import os.path as osp
from typing import Dict, List, Optional

from ..errors import DataInputError

#: Files each stock recognition dataset of mmpretrain reads under its
#: ``data_root``, and where they come from.
RECOGNITION_FILES = {
    'CIFAR10': ([f'cifar-10-batches-py/{name}' for name in (
        'data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4',
        'data_batch_5', 'test_batch', 'batches.meta')],
                'cifar-10-python.tar.gz from '
                'https://www.cs.toronto.edu/~kriz/cifar.html'),
    'CIFAR100': (['cifar-100-python/train', 'cifar-100-python/test',
                  'cifar-100-python/meta'],
                 'cifar-100-python.tar.gz from '
                 'https://www.cs.toronto.edu/~kriz/cifar.html'),
    'Flowers102': (['imagelabels.mat', 'setid.mat', 'jpg'],
                   '102flowers.tgz, imagelabels.mat and setid.mat from '
                   'https://www.robots.ox.ac.uk/~vgg/data/flowers/102/'),
    'OxfordIIITPet': (['annotations/trainval.txt', 'annotations/test.txt',
                       'images'],
                      'images.tar.gz and annotations.tar.gz from '
                      'https://www.robots.ox.ac.uk/~vgg/data/pets/'),
    'DTD': (['imdb/imdb.mat', 'images'],
            'dtd-r1.0.1.tar.gz from '
            'https://www.robots.ox.ac.uk/~vgg/data/dtd/'),
}


def recognition_type(type_name: str) -> Optional[str]:
    """The stock dataset of a dataset type name (``'TinyDTD'`` and
    ``'mmpretrain.DTD'`` are ``'DTD'``), or None if it is not one of
    :data:`RECOGNITION_FILES`."""
    name = type_name.split('.')[-1]
    name = name[len('Tiny'):] if name.startswith('Tiny') else name
    return name if name in RECOGNITION_FILES else None


def _listed_images(kind: str, root: str) -> List[str]:
    """The image files the annotation files list (relative to ``root``);
    raises :class:`DataInputError` for a file that does not parse."""
    import mat4py
    if kind == 'Flowers102':
        path = osp.join(root, 'setid.mat')
        try:
            labels = mat4py.loadmat(osp.join(root, 'imagelabels.mat'))
            split = mat4py.loadmat(path)
            ids = split['trnid'] + split['valid'] + split['tstid']
            labels['labels']
        except Exception as error:
            raise DataInputError(
                f'{path} or imagelabels.mat does not parse as the Flowers-102 '
                f'files (trnid / valid / tstid, labels): {error}; download '
                'them again.') from error
        return [f'jpg/image_{int(i):05d}.jpg' for i in ids]
    if kind == 'OxfordIIITPet':
        names = []
        for split in ('trainval', 'test'):
            path = osp.join(root, 'annotations', f'{split}.txt')
            with open(path) as f:
                for number, line in enumerate(f, start=1):
                    fields = line.split()
                    if not fields:
                        continue
                    if len(fields) != 4 or not fields[1].isdigit():
                        raise DataInputError(
                            f'{path}:{number}: expected "<image> <class id> '
                            f'<species> <breed id>", got {line.strip()!r}; '
                            'use the annotations of annotations.tar.gz.')
                    names.append(f'images/{fields[0]}.jpg')
        return names
    if kind == 'DTD':
        path = osp.join(root, 'imdb', 'imdb.mat')
        try:
            images = mat4py.loadmat(path)['images']
            names = images['name']
            if not len(names) == len(images['class']) == len(images['set']):
                raise ValueError('name / class / set differ in length')
        except Exception as error:
            raise DataInputError(
                f'{path} does not parse as DTD\'s imdb.mat (images.name / '
                f'class / set): {error}; extract dtd-r1.0.1.tar.gz '
                'again.') from error
        return [f'images/{name}' for name in names]
    return []


def check_recognition_files(dataset_cfg: Dict) -> Optional[Dict]:
    """Check the files of a CIFAR-10 / 100, Flowers-102, Oxford-IIIT Pets or
    DTD dataset config before anything is built: one
    :class:`DataInputError` line naming the first missing or malformed file
    and where to get it. A CIFAR dataset that may download itself
    (``download=True``, mmpretrain's default) is left to do so.

    Returns:
        dict | None: ``kind``, ``root`` and ``images`` (listed and present),
        or None for other dataset types.
    """
    kind = recognition_type(str(dataset_cfg.get('type', '')))
    if kind is None:
        return None
    root = dataset_cfg.get('data_root') or ''
    files, source = RECOGNITION_FILES[kind]
    if kind.startswith('CIFAR') and dataset_cfg.get('download', True) and \
            not str(dataset_cfg.get('type')).split('.')[-1].startswith('Tiny'):
        return dict(kind=kind, root=root, images=None)
    for name in files:
        path = osp.join(root, name)
        if not osp.exists(path):
            raise DataInputError(
                f'{kind} needs {path} (missing): download {source} and '
                f'extract it so that {root or "data_root"} holds {name}.')
    images = _listed_images(kind, root)
    missing = [p for p in images if not osp.isfile(osp.join(root, p))]
    if missing:
        raise DataInputError(
            f'{len(missing)} of the {len(images)} images that {kind}\'s '
            f'annotation files list are missing under {root} (first: '
            f'{missing[0]}); extract every archive of {source}.')
    return dict(kind=kind, root=root, images=len(images) or None)
