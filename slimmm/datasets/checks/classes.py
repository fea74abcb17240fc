"""The config's class names against the datasets' and the heads'."""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple
from xml.etree import ElementTree as ET

from mmengine.config import Config

from ..errors import DataInputError
from .files import dataset_class

CLASSES_FIX = ('set metainfo=dict(classes=(...)) on every dataset to the '
               "dataset's category names, and num_classes to their number "
               'in every head (docs/user_guides/detection_transfer.md, '
               '"Your own classes")')


def config_classes(ds: Dict) -> Optional[List[str]]:
    """The classes a dataset config trains with: its ``metainfo.classes``,
    else its dataset class's default (COCO's 80, VOC's 20)."""
    classes = (ds.get('metainfo') or {}).get('classes')
    if not classes:
        classes = getattr(dataset_class(ds.get('type')), 'METAINFO',
                          {}).get('classes')
    return [str(c) for c in classes] if classes else None


def _shown(names: Sequence[str], limit: int = 20) -> str:
    names = list(names)
    more = f' ... ({len(names)} in all)' if len(names) > limit else ''
    return '[' + ', '.join(repr(n) for n in names[:limit]) + more + ']'


def check_classes(source: str, dataset_names: Sequence[str],
                  labels_per_image: Sequence[Sequence[str]],
                  classes: Sequence[str], filter_empty_gt: bool) -> Dict:
    """The config's classes against a detection dataset's categories: a
    class the data never has (a misspelling, another dataset's names) stops
    the run; images left without annotation are counted and reported."""
    present = set(dataset_names)
    missing = [c for c in classes if c not in present]
    if missing:
        what = ('none of them is' if len(missing) == len(classes) else
                f'{_shown(missing)} are not')
        raise DataInputError(
            f'{source!r} has the categories {_shown(dataset_names)}, but the '
            f"config's classes are {_shown(classes)} and {what} among them "
            f'(mmdet would drop every annotation of a class it does not '
            f'know); {CLASSES_FIX}.')
    wanted = set(classes)
    empty = sum(1 for labels in labels_per_image if not wanted & set(labels))
    if empty:
        fate = ('filter_cfg=dict(filter_empty_gt=True) drops them from '
                'training' if filter_empty_gt else
                'filter_cfg.filter_empty_gt is False, so they are kept as '
                'background-only images')
        print(f'[check_data] {empty} of {len(labels_per_image)} images of '
              f"{source!r} have no annotation of the config's classes; "
              f'{fate}.')
    return dict(num_classes=len(classes), empty_images=empty)


def coco_labels(content: Dict) -> Tuple[List[str], List[List[str]]]:
    """A COCO instances dict's category names, and each image's names."""
    names = {c.get('id'): str(c.get('name')) for c in content['categories']}
    per_image: Dict[Any, List[str]] = {
        image.get('id'): [] for image in content['images']}
    for ann in content['annotations']:
        if ann.get('image_id') in per_image:
            per_image[ann['image_id']].append(
                names.get(ann.get('category_id'), ''))
    return list(names.values()), list(per_image.values())


def voc_labels(ann_file: str, sub_data_root: str
               ) -> Tuple[List[str], List[List[str]]]:
    """The object names of every image a VOC list names (all names found,
    each image's names)."""
    with open(ann_file) as f:
        ids = [line.strip() for line in f if line.strip()]
    per_image = []
    for image_id in ids:
        xml = osp.join(sub_data_root, 'Annotations', f'{image_id}.xml')
        try:
            root = ET.parse(xml).getroot()
        except (OSError, ET.ParseError):
            per_image.append([])
            continue
        per_image.append([(obj.findtext('name') or '').strip()
                          for obj in root.findall('object')])
    found = sorted({name for names in per_image for name in names})
    return found, per_image


def check_num_classes(cfg: Config, classes: Sequence[str]) -> None:
    """Every classification head of a detector or segmentor has as many
    classes as the datasets (the RPN, class-agnostic, is not one)."""
    wrong = []

    def visit(node: Any, path: str) -> None:
        if isinstance(node, dict):
            number = node.get('num_classes')
            if isinstance(number, int) and number != len(classes) \
                    and 'rpn_head' not in path:
                wrong.append(f'{path}.num_classes={number}')
            for key, value in node.items():
                visit(value, f'{path}.{key}')
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                visit(value, f'{path}.{index}')

    visit(cfg.get('model'), 'model')
    if wrong:
        raise DataInputError(
            f'The datasets have {len(classes)} classes {_shown(classes)} '
            f'but {", ".join(wrong)}; set num_classes={len(classes)} in '
            'every head (model.roi_head.bbox_head, mask_head, or bbox_head '
            'of a one-stage detector; model.decode_head and '
            'auxiliary_head of a segmentor).')
