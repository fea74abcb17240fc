"""Checks run before any training or evaluation starts.

A run spends hours (a transfer benchmark hours per width); a wrong
checkpoint, width, dataset path, annotation file or missing image should
fail in seconds with a message that names the file and the fix, not after
the first epoch (or, worse, train from a random init). Every entry point
(tools/train.py, tools/test.py, the transfer runner, the evaluation
commands) calls :func:`check_data` on the datasets it is about to build.
Image checks compare the annotations with one directory listing per folder,
so they take seconds even for COCO / ImageNet.
"""
import json
import os
import os.path as osp
import re
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple
from xml.etree import ElementTree as ET

from mmengine.config import Config

from ..datasets.checks import (DataInputError, check_recognition_files,
                               recognition_type)
from ..datasets.tiny import generate_for
from ..models.detectors import match_neck_to_backbone
from ..models.segmentors import match_segmentor_to_backbone

_NORM_KEY = re.compile(r'(?:^|\.)norms\.([0-9]+(?:_[0-9]+)?)\.')
TINY_DATA_HINT = ('python tools/dataset_converters/make_tiny_data.py '
                  '{kind} --out {root}')


class TransferInputError(DataInputError):
    """Bad input to a transfer benchmark (raised before training)."""


#: What a real dataset's root holds, by kind (for the error messages).
EXPECTED_LAYOUT = {
    'COCO': '<root>/annotations/instances_{train,val}2017.json and '
    '<root>/{train,val}2017/*.jpg',
    'VOC': '<root>/VOC{2007,2012}/{Annotations,ImageSets/Main,JPEGImages}',
    'ImageNet': '<root>/{train,val}/<class>/<image> (and optionally '
    '<root>/meta/{train,val}.txt with "<class>/<image> <label>" lines)',
    'ADE20K': '<root>/images/{training,validation}/*.jpg and '
    '<root>/annotations/{training,validation}/*.png '
    '(ADEChallengeData2016)',
    'Cityscapes': '<root>/leftImg8bit/{train,val}/<city>/'
    '*_leftImg8bit.png and <root>/gtFine/{train,val}/<city>/'
    '*_gtFine_labelTrainIds.png (tools/dataset_converters/cityscapes.py '
    'of mmseg makes the labelTrainIds)',
}
#: Segmentation dataset class name -> its kind in :data:`EXPECTED_LAYOUT`.
SEGMENTATION_KINDS = {'ADE20KDataset': 'ADE20K',
                      'TinyADE20KDataset': 'ADE20K',
                      'CityscapesDataset': 'Cityscapes'}


# ---- config walking -----------------------------------------------------
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


# ---- checkpoint ---------------------------------------------------------
def checkpoint_widths(state_dict: Dict) -> Optional[List[float]]:
    """Widths of a switchable-BN checkpoint (from its ``norms.<w>`` keys),
    widest first; None when it has no switchable BN (universal or plain)."""
    keys = {m.group(1) for k in state_dict for m in [_NORM_KEY.search(k)]
            if m}
    if not keys:
        return None
    return sorted((float(k.replace('_', '.')) for k in keys), reverse=True)


def check_checkpoint(path: str, backbone_cfg: Dict,
                     widths: Optional[Sequence[float]] = None) -> Dict:
    """The checkpoint exists, holds a backbone of this architecture, and
    was trained with every width of ``widths`` (default: the config's
    ``width``) among its widths.

    Returns:
        dict: ``{'widths': [...] or None, 'num_tensors': int}``.
    """
    from slimmm.models.export import build_backbone
    from slimmm.utils.checkpoint import (load_state_dict_strict,
                                         read_checkpoint, state_dict_of,
                                         strip_prefix)
    if not path:
        raise TransferInputError(
            'No pretrained checkpoint given: pass --checkpoint PATH (the '
            'slimmable checkpoint written by pretraining).')
    if not osp.isfile(path):
        raise TransferInputError(
            f'Checkpoint {path!r} does not exist. Pass --checkpoint with the '
            '.pth file written by the slimmable pretraining (tools/train.py '
            'writes work_dirs/<config>/epoch_N.pth).')
    try:
        raw = read_checkpoint(path)
    except Exception as e:  # unreadable / not a torch file
        raise TransferInputError(
            f'Checkpoint {path!r} cannot be read ({type(e).__name__}: {e}). '
            'Pass a .pth file saved by torch / mmengine.') from e
    prefix = (backbone_cfg.get('init_cfg') or {}).get('prefix', 'backbone.')
    try:
        state = strip_prefix(state_dict_of(raw), prefix, source=path)
    except KeyError as e:
        raise TransferInputError(e.args[0] if e.args else str(e)) from e
    if widths is None:
        widths = [backbone_cfg['width']] if backbone_cfg.get(
            'width') is not None else []
    found = checkpoint_widths(state)
    for width in widths:
        if found is not None and not any(
                abs(float(width) - w) < 1e-9 for w in found):
            raise TransferInputError(
                f'Width {width} is not one of the widths {found} that '
                f'{path!r} was trained with. Choose --widths among {found} '
                '(or pretrain with that width).')
    cfg = dict(backbone_cfg, init_cfg=None)
    if found is not None and cfg.get('widths') is not None and sorted(
            cfg['widths']) != sorted(found):
        raise TransferInputError(
            f'The config builds the backbone with widths {cfg["widths"]} '
            f'but {path!r} holds widths {found}. Set '
            f'model.backbone.widths={found} (--cfg-options) to match the '
            'checkpoint.')
    try:
        slimmable = build_backbone(cfg, width=None)
        load_state_dict_strict(slimmable, state, source=path)
    except ValueError as e:
        raise TransferInputError(
            f'{e}\n  Fix: pass a checkpoint of {backbone_cfg.get("type")} '
            f'(depth {backbone_cfg.get("depth", "-")}) or change '
            'model.backbone to the architecture it was trained with.') from e
    return dict(widths=found, num_tensors=len(state))


# ---- datasets -----------------------------------------------------------
def _join(root: Optional[str], path: str) -> str:
    return path if (not root or osp.isabs(path)) else osp.join(root, path)


def _fix_hint(root: str, kind: str) -> str:
    """The fix for a missing / empty root: for tiny data the command that
    makes it, for real data the layout expected there."""
    if 'tiny' in root.lower():
        out = osp.dirname(root.rstrip('/')) if kind == 'VOC' else root
        return 'create it with: ' + TINY_DATA_HINT.format(
            kind=kind.lower(), root=out.rstrip('/'))
    return (f'point data_root at the {kind} dataset, laid out as '
            f'{EXPECTED_LAYOUT[kind]}')


def _check_root(root: str, kind: str) -> None:
    if not osp.isdir(root):
        raise TransferInputError(
            f'Dataset root {root!r} does not exist; '
            f'{_fix_hint(root, kind)}.')
    if not os.listdir(root):
        raise TransferInputError(
            f'Dataset root {root!r} is empty; {_fix_hint(root, kind)}.')


class _Listing:
    """File names per folder, each folder listed once (a listing check is
    seconds where a stat per image of COCO / ImageNet is minutes)."""

    def __init__(self) -> None:
        self._folders: Dict[str, set] = {}

    def exists(self, path: str) -> bool:
        folder, name = osp.split(osp.normpath(path))
        if folder not in self._folders:
            try:
                self._folders[folder] = set(os.listdir(folder))
            except OSError:
                self._folders[folder] = set()
        return name in self._folders[folder]


def _check_images_exist(paths: Sequence[str], source: str) -> None:
    listing = _Listing()
    missing = [p for p in paths if not listing.exists(p)]
    if missing:
        more = f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''
        raise TransferInputError(
            f'{source!r} names {missing[0]!r}{more}, which does not exist; '
            'restore the image(s) or remove them from the annotations '
            '(tiny data: delete the folder and let it be regenerated).')


def check_coco_annotation(ann_file: str, img_dir: Optional[str] = None
                          ) -> Dict:
    """A COCO instances JSON that loads and has images, annotations and
    categories (and, if given, an image folder that is not empty)."""
    if not osp.isfile(ann_file):
        raise TransferInputError(
            f'COCO annotation file {ann_file!r} does not exist. Expected '
            '<data_root>/annotations/instances_{train,val}2017.json.')
    try:
        with open(ann_file) as f:
            content = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise TransferInputError(
            f'COCO annotation file {ann_file!r} is not valid JSON ({e}). '
            'Re-download / regenerate it.') from e
    missing = [k for k in ('images', 'annotations', 'categories')
               if not isinstance(content, dict) or
               not isinstance(content.get(k), list)]
    if missing:
        raise TransferInputError(
            f'COCO annotation file {ann_file!r} lacks the list(s) {missing}; '
            'an instances_*.json file has "images", "annotations" and '
            '"categories".')
    if not content['images']:
        raise TransferInputError(f'{ann_file!r} lists no images.')
    for ann in content['annotations'][:1000]:
        bad = [k for k in ('image_id', 'category_id', 'bbox') if k not in ann]
        if bad:
            raise TransferInputError(
                f'Annotation {ann.get("id")} in {ann_file!r} lacks {bad}.')
    if img_dir is not None and (not osp.isdir(img_dir)
                                or not os.listdir(img_dir)):
        raise TransferInputError(
            f'Image folder {img_dir!r} (for {ann_file!r}) is missing or '
            'empty.')
    if img_dir is not None:
        _check_images_exist(
            [osp.join(img_dir, str(image.get('file_name')))
             for image in content['images']], ann_file)
    return dict(num_images=len(content['images']),
                num_annotations=len(content['annotations']))


def check_voc_split(data_root: str, ann_file: str, sub_data_root: str,
                    max_parsed: int = 200) -> Dict:
    """An ImageSets list whose images and XML annotations exist (a sample of
    the XML files is parsed)."""
    if not osp.isfile(ann_file):
        raise TransferInputError(
            f'VOC image list {ann_file!r} does not exist. Expected '
            '<data_root>/VOC2007/ImageSets/Main/{trainval,test}.txt and '
            '<data_root>/VOC2012/ImageSets/Main/trainval.txt.')
    with open(ann_file) as f:
        ids = [line.strip() for line in f if line.strip()]
    if not ids:
        raise TransferInputError(f'VOC image list {ann_file!r} is empty.')
    step = max(1, len(ids) // max_parsed)
    _check_images_exist(
        [osp.join(sub_data_root, 'JPEGImages', f'{image_id}.jpg')
         for image_id in ids], ann_file)
    for index, image_id in enumerate(ids):
        xml = osp.join(sub_data_root, 'Annotations', f'{image_id}.xml')
        if not osp.isfile(xml):
            raise TransferInputError(
                f'{ann_file!r} lists {image_id!r} but {xml!r} does not '
                'exist.')
        if index % step == 0:
            try:
                ET.parse(xml)
            except ET.ParseError as e:
                raise TransferInputError(
                    f'VOC annotation {xml!r} is malformed XML ({e}). '
                    'Re-download / regenerate it.') from e
    return dict(num_images=len(ids))


def _image_folder(ds: Dict) -> str:
    """The image folder of an mmpretrain dataset config (``data_prefix`` as
    a string or ``dict(img_path=...)``; ImageNet's default is its split)."""
    prefix = ds.get('data_prefix')
    if isinstance(prefix, dict):
        prefix = prefix.get('img_path') or prefix.get('img')
    if not prefix:
        prefix = ds.get('split') or ''
    return _join(ds.get('data_root') or '', prefix)


def check_image_folder(ds: Dict) -> Dict:
    """An ImageNet-layout dataset (mmpretrain ``CustomDataset`` /
    ``ImageNet``): the root, the image folder, and, with an annotation list,
    that every listed image exists and every line is ``<path> [<label>]``.
    """
    root = ds.get('data_root') or ''
    if root:
        _check_root(root, 'ImageNet')
    folder = _image_folder(ds)
    if not osp.isdir(folder) or not os.listdir(folder):
        raise TransferInputError(
            f'Image folder {folder!r} is missing or empty; '
            f'{_fix_hint(root or folder, "ImageNet")}.')
    ann = ds.get('ann_file') or ''
    if not ann and ds.get('split') and root:
        # mmpretrain's ImageNet reads meta/<split>.txt when it exists.
        candidate = osp.join(root, 'meta', f'{ds["split"]}.txt')
        ann = candidate if osp.isfile(candidate) else ''
    if not ann:  # class folders: what mmpretrain will scan
        classes = [entry for entry in os.scandir(folder) if entry.is_dir()]
        if not classes:
            raise TransferInputError(
                f'Image folder {folder!r} has no class folders; expected '
                f'{EXPECTED_LAYOUT["ImageNet"]}.')
        return dict(folder=folder, num_images=sum(
            len(os.listdir(entry.path)) for entry in classes))
    ann = _join(root, ann)
    if not osp.isfile(ann):
        raise TransferInputError(
            f'Annotation list {ann!r} does not exist; it has one '
            '"<class>/<image> <label>" line per image (or leave ann_file '
            'empty to read the class folders).')
    paths = []
    with open(ann) as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) > 2 or (len(parts) == 2
                                  and not parts[1].lstrip('-').isdigit()):
                raise TransferInputError(
                    f'{ann!r} line {number} is malformed ({line.strip()!r}); '
                    'each line is "<class>/<image> <integer label>".')
            paths.append(osp.join(folder, parts[0]))
    if not paths:
        raise TransferInputError(f'Annotation list {ann!r} is empty.')
    _check_images_exist(paths, ann)
    return dict(folder=folder, num_images=len(paths))


# ---- classes ------------------------------------------------------------
CLASSES_FIX = ('set metainfo=dict(classes=(...)) on every dataset to the '
               "dataset's category names, and num_classes to their number "
               'in every head (docs/user_guides/detection_transfer.md, '
               '"Your own classes")')


def _dataset_class(type_name: Any) -> Optional[type]:
    """The class a dataset config's ``type`` names (slimmm's, mmdet's,
    mmpretrain's or mmseg's registry), or None."""
    if isinstance(type_name, type):
        return type_name
    from mmdet.registry import DATASETS as DET_DATASETS
    from mmpretrain.registry import DATASETS as PRETRAIN_DATASETS
    from mmseg.registry import DATASETS as SEG_DATASETS

    from slimmm.registry import DATASETS
    for registry in (DATASETS, DET_DATASETS, PRETRAIN_DATASETS,
                     SEG_DATASETS):
        try:
            found = registry.get(str(type_name))
        except (KeyError, ValueError):
            found = None
        if found is not None:
            return found
    return None


def config_classes(ds: Dict) -> Optional[List[str]]:
    """The classes a dataset config trains with: its ``metainfo.classes``,
    else its dataset class's default (COCO's 80, VOC's 20)."""
    classes = (ds.get('metainfo') or {}).get('classes')
    if not classes:
        classes = getattr(_dataset_class(ds.get('type')), 'METAINFO',
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
        raise TransferInputError(
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


def _default_argument(cls: Optional[type], name: str) -> Any:
    """The default of ``cls.__init__``'s argument ``name`` (None if it has
    none)."""
    import inspect
    if cls is None:
        return None
    for klass in cls.__mro__:
        parameter = inspect.signature(klass.__init__).parameters.get(name) \
            if '__init__' in vars(klass) else None
        if parameter is not None and \
                parameter.default is not inspect.Parameter.empty:
            return parameter.default
    return None


def check_segmentation_folders(ds: Dict, kind: str) -> Dict:
    """An mmseg dataset (ADE20K, Cityscapes layout): its image and label
    map folders exist and are not empty, and every image has its label
    map (same relative path, ``img_suffix`` -> ``seg_map_suffix``).

    Args:
        ds (dict): The dataset config (``data_root``, ``data_prefix`` with
            ``img_path`` and ``seg_map_path``, optional suffixes).
        kind (str): ``'ADE20K'`` or ``'Cityscapes'`` (for the messages).

    Returns:
        dict: ``img_dir``, ``ann_dir`` and ``num_images``.
    """
    root = ds.get('data_root') or ''
    _check_root(root, kind)
    prefix = ds.get('data_prefix') or {}
    cls = _dataset_class(ds.get('type'))
    img_suffix = ds.get('img_suffix') or _default_argument(cls,
                                                           'img_suffix')
    seg_suffix = ds.get('seg_map_suffix') or _default_argument(
        cls, 'seg_map_suffix')
    folders = {}
    for key, name in (('img_path', 'img_dir'), ('seg_map_path', 'ann_dir')):
        folder = _join(root, prefix.get(key, ''))
        if not osp.isdir(folder) or not os.listdir(folder):
            state = 'is empty' if osp.isdir(folder) else 'does not exist'
            raise TransferInputError(
                f'{kind} {name} {folder!r} (data_prefix.{key}) {state}; '
                f'{_fix_hint(root, kind)}.')
        folders[name] = folder
    images = sorted(
        osp.relpath(osp.join(parent, name), folders['img_dir'])
        for parent, _, names in os.walk(folders['img_dir'])
        for name in names if name.endswith(img_suffix or ''))
    if not images:
        raise TransferInputError(
            f'{kind} img_dir {folders["img_dir"]!r} holds no '
            f'*{img_suffix} image; {_fix_hint(root, kind)}.')
    if img_suffix and seg_suffix:
        _check_images_exist(
            [osp.join(folders['ann_dir'],
                      path[:-len(img_suffix)] + seg_suffix)
             for path in images], folders['img_dir'])
    return dict(img_dir=folders['img_dir'], ann_dir=folders['ann_dir'],
                num_images=len(images))


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
        raise TransferInputError(
            f'The datasets have {len(classes)} classes {_shown(classes)} '
            f'but {", ".join(wrong)}; set num_classes={len(classes)} in '
            'every head (model.roi_head.bbox_head, mask_head, or bbox_head '
            'of a one-stage detector; model.decode_head and '
            'auxiliary_head of a segmentor).')


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
                raise TransferInputError(
                    f'{key}.ann_file {ev["ann_file"]!r} does not exist; it '
                    'must be the val annotation file of the dataset.')
    return reports


def check_transfer_inputs(cfgs: Sequence[Config],
                          checkpoint: Optional[str]) -> None:
    """All checks for the per-width configs of one benchmark (run before
    any training): each width's neck (a segmentor's neck or heads) against
    its backbone, the checkpoint
    against every width, then the datasets."""
    for cfg in cfgs:
        model = cfg.model
        if model.get('decode_head') is not None:  # an mmseg segmentor
            match_segmentor_to_backbone(
                dict(model.backbone), model.decode_head, model.get('neck'),
                model.get('auxiliary_head'))
        elif model.get('neck') is not None:
            match_neck_to_backbone(dict(model.backbone), dict(model.neck))
    widths = [cfg.model.backbone.get('width') for cfg in cfgs]
    if checkpoint is None and not cfgs[0].model.backbone.get('init_cfg'):
        # A random-initialisation baseline: the config asks for no
        # pretrained weights (``init_cfg=None``), so none are checked.
        check_datasets(cfgs[0])
        return
    check_checkpoint(checkpoint, dict(cfgs[0].model.backbone),
                     [w for w in widths if w is not None])
    check_datasets(cfgs[0])


def one_line(error: BaseException) -> str:
    """The message of a data error as one line, also when a DataLoader
    worker raised it (torch then prepends the worker's traceback)."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    if len(lines) > 1 and 'Traceback' in str(error):
        last = lines[-1]
        return last.split(': ', 1)[1] if ': ' in last else last
    return ' '.join(line.strip() for line in lines)
