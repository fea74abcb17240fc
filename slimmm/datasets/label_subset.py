"""Deterministic labelled subsets (1% / 10%) for semi-supervised evaluation
(DSPNet Appendix A.3, SimCLR / BYOL semi-supervised protocol).

Split rule (documented so that anyone can regenerate the same file): read
the annotation list (``<relative path> <label>`` lines, ImageNet's
``meta/train.txt`` layout), group the lines by label, sort each class's
images by path, shuffle them with ``random.Random(f'{seed}-{label}')``
(independent of the other classes and of Python's hash seed), and keep the
first ``max(1, round(fraction * n_class))``. The kept lines are written,
class by class in label order, to a new annotation file.

:class:`LabelSubsetDataset` reads such a file and checks that every image it
names exists when the dataset is built, i.e. before any training step.
"""
import os
import os.path as osp
import random
from collections import defaultdict
from typing import Dict, List, Tuple

from mmpretrain.datasets import CustomDataset

from ..registry import DATASETS

_MAX_LISTED = 10


def read_annotations(ann_file: str) -> List[Tuple[str, int]]:
    """``(path, label)`` pairs of an ImageNet-style annotation list."""
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'Annotation file {ann_file!r} not found.')
    pairs = []
    with open(ann_file) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            path, _, label = line.rpartition(' ')
            if not path or not label.lstrip('-').isdigit():
                raise ValueError(f'{ann_file}:{number}: expected "<path> '
                                 f'<label>", got {line!r}.')
            pairs.append((path, int(label)))
    return pairs


def select_label_subset(pairs: List[Tuple[str, int]], fraction: float,
                        seed: int = 0) -> List[Tuple[str, int]]:
    """The subset of the split rule in the module docstring."""
    if not 0 < fraction <= 1:
        raise ValueError(f'fraction must be in (0, 1], e.g. 0.01 for 1%; '
                         f'got {fraction}.')
    by_class: Dict[int, List[str]] = defaultdict(list)
    for path, label in pairs:
        by_class[label].append(path)
    subset = []
    for label in sorted(by_class):
        paths = sorted(by_class[label])
        random.Random(f'{seed}-{label}').shuffle(paths)
        keep = max(1, round(fraction * len(paths)))
        subset += [(p, label) for p in sorted(paths[:keep])]
    return subset


def write_label_subset(ann_file: str, out_file: str, fraction: float,
                       seed: int = 0) -> List[Tuple[str, int]]:
    """Write the subset of ``ann_file`` to ``out_file`` (refuses to
    overwrite a different existing file)."""
    subset = select_label_subset(read_annotations(ann_file), fraction, seed)
    text = ''.join(f'{p} {label}\n' for p, label in subset)
    if osp.exists(out_file):
        with open(out_file) as f:
            if f.read() != text:
                raise FileExistsError(
                    f'{out_file!r} exists with other content; remove it or '
                    'choose another --out.')
        return subset
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with open(out_file, 'w') as f:
        f.write(text)
    return subset


@DATASETS.register_module()
class LabelSubsetDataset(CustomDataset):
    """mmpretrain ``CustomDataset`` over an annotation list that refuses to
    build when the list names images that are not on disk.

    Without the check a missing image would only fail when the data loader
    reaches it, possibly hours into training.

    Args:
        *args, **kwargs: Those of ``mmpretrain.datasets.CustomDataset``
            (``data_root``, ``ann_file``, ``data_prefix``, ``pipeline``...).
    """

    def load_data_list(self):
        if self.ann_file and not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'Label subset file {self.ann_file!r} not found; write it '
                'with tools/dataset_converters/make_label_subset.py '
                '--ann-file <root>/meta/train.txt --fraction 0.01 --out '
                f'{self.ann_file}.')
        data_list = super().load_data_list()
        missing = [d['img_path'] for d in data_list
                   if not osp.isfile(d['img_path'])]
        if missing:
            shown = '\n  '.join(missing[:_MAX_LISTED])
            more = len(missing) - _MAX_LISTED
            raise FileNotFoundError(
                f'{len(missing)} of the {len(data_list)} images named by '
                f'{self.ann_file!r} do not exist:\n  {shown}'
                + (f'\n  ... and {more} more' if more > 0 else '') +
                '\nCheck data_root / data_prefix, or regenerate the subset '
                'file from this dataset\'s own annotation list.')
        return data_list
