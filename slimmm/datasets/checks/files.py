"""File checks of the detection, segmentation and image-folder datasets:
the root exists, the annotation files parse, every image they name is there
(one directory listing per folder, so seconds even for COCO / ImageNet)."""
import json
import os
import os.path as osp
from typing import Any, Dict, Optional, Sequence
from xml.etree import ElementTree as ET

from ..errors import DataInputError

TINY_DATA_HINT = ('python tools/dataset_converters/make_tiny_data.py '
                  '{kind} --out {root}')


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
        raise DataInputError(
            f'Dataset root {root!r} does not exist; '
            f'{_fix_hint(root, kind)}.')
    if not os.listdir(root):
        raise DataInputError(
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
        raise DataInputError(
            f'{source!r} names {missing[0]!r}{more}, which does not exist; '
            'restore the image(s) or remove them from the annotations '
            '(tiny data: delete the folder and let it be regenerated).')


def check_coco_annotation(ann_file: str, img_dir: Optional[str] = None
                          ) -> Dict:
    """A COCO instances JSON that loads and has images, annotations and
    categories (and, if given, an image folder that is not empty)."""
    if not osp.isfile(ann_file):
        raise DataInputError(
            f'COCO annotation file {ann_file!r} does not exist. Expected '
            '<data_root>/annotations/instances_{train,val}2017.json.')
    try:
        with open(ann_file) as f:
            content = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataInputError(
            f'COCO annotation file {ann_file!r} is not valid JSON ({e}). '
            'Re-download / regenerate it.') from e
    missing = [k for k in ('images', 'annotations', 'categories')
               if not isinstance(content, dict) or
               not isinstance(content.get(k), list)]
    if missing:
        raise DataInputError(
            f'COCO annotation file {ann_file!r} lacks the list(s) {missing}; '
            'an instances_*.json file has "images", "annotations" and '
            '"categories".')
    if not content['images']:
        raise DataInputError(f'{ann_file!r} lists no images.')
    for ann in content['annotations'][:1000]:
        bad = [k for k in ('image_id', 'category_id', 'bbox') if k not in ann]
        if bad:
            raise DataInputError(
                f'Annotation {ann.get("id")} in {ann_file!r} lacks {bad}.')
    if img_dir is not None and (not osp.isdir(img_dir)
                                or not os.listdir(img_dir)):
        raise DataInputError(
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
        raise DataInputError(
            f'VOC image list {ann_file!r} does not exist. Expected '
            '<data_root>/VOC2007/ImageSets/Main/{trainval,test}.txt and '
            '<data_root>/VOC2012/ImageSets/Main/trainval.txt.')
    with open(ann_file) as f:
        ids = [line.strip() for line in f if line.strip()]
    if not ids:
        raise DataInputError(f'VOC image list {ann_file!r} is empty.')
    step = max(1, len(ids) // max_parsed)
    _check_images_exist(
        [osp.join(sub_data_root, 'JPEGImages', f'{image_id}.jpg')
         for image_id in ids], ann_file)
    for index, image_id in enumerate(ids):
        xml = osp.join(sub_data_root, 'Annotations', f'{image_id}.xml')
        if not osp.isfile(xml):
            raise DataInputError(
                f'{ann_file!r} lists {image_id!r} but {xml!r} does not '
                'exist.')
        if index % step == 0:
            try:
                ET.parse(xml)
            except ET.ParseError as e:
                raise DataInputError(
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
        raise DataInputError(
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
            raise DataInputError(
                f'Image folder {folder!r} has no class folders; expected '
                f'{EXPECTED_LAYOUT["ImageNet"]}.')
        return dict(folder=folder, num_images=sum(
            len(os.listdir(entry.path)) for entry in classes))
    ann = _join(root, ann)
    if not osp.isfile(ann):
        raise DataInputError(
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
                raise DataInputError(
                    f'{ann!r} line {number} is malformed ({line.strip()!r}); '
                    'each line is "<class>/<image> <integer label>".')
            paths.append(osp.join(folder, parts[0]))
    if not paths:
        raise DataInputError(f'Annotation list {ann!r} is empty.')
    _check_images_exist(paths, ann)
    return dict(folder=folder, num_images=len(paths))


def dataset_class(type_name: Any) -> Optional[type]:
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
    cls = dataset_class(ds.get('type'))
    img_suffix = ds.get('img_suffix') or _default_argument(cls,
                                                           'img_suffix')
    seg_suffix = ds.get('seg_map_suffix') or _default_argument(
        cls, 'seg_map_suffix')
    folders = {}
    for key, name in (('img_path', 'img_dir'), ('seg_map_path', 'ann_dir')):
        folder = _join(root, prefix.get(key, ''))
        if not osp.isdir(folder) or not os.listdir(folder):
            state = 'is empty' if osp.isdir(folder) else 'does not exist'
            raise DataInputError(
                f'{kind} {name} {folder!r} (data_prefix.{key}) {state}; '
                f'{_fix_hint(root, kind)}.')
        folders[name] = folder
    images = sorted(
        osp.relpath(osp.join(parent, name), folders['img_dir'])
        for parent, _, names in os.walk(folders['img_dir'])
        for name in names if name.endswith(img_suffix or ''))
    if not images:
        raise DataInputError(
            f'{kind} img_dir {folders["img_dir"]!r} holds no '
            f'*{img_suffix} image; {_fix_hint(root, kind)}.')
    if img_suffix and seg_suffix:
        _check_images_exist(
            [osp.join(folders['ann_dir'],
                      path[:-len(img_suffix)] + seg_suffix)
             for path in images], folders['img_dir'])
    return dict(img_dir=folders['img_dir'], ann_dir=folders['ann_dir'],
                num_images=len(images))
