"""Cut one width out of a slimmable backbone as a plain network.

The exported state dict has the keys and shapes of the stock network at that
width (e.g. ``mmpretrain.models.ResNet(depth=50, stem_channels=32,
base_channels=32)`` for ResNet-50 x 0.5), so mmpretrain and mmdet load it
with ``strict=True`` and no slimmm code. The exported file is::

    dict(state_dict=..., meta=dict(width=w, plain_config=dict(type='ResNet',
         ...) or None, static_config=dict(type='slimmm.SlimmableResNet',
         ..., width=w), source=...))

``plain_config`` is the stock config to build (None when no stock network
has these channels); ``static_config`` always works with slimmm imported.

A detector fine-tuned at ONE width already holds that width's plain
weights; :func:`export_detector` pairs them with the stock mmdet detector
config (:func:`plain_detector_config`), e.g. ``MaskRCNN`` over mmpretrain's
``VisionTransformer`` for the ViTDet-style configs.

Universally slimmable networks (US-Nets) share one BN over all widths, so
their statistics describe no single width: the BN must be recalibrated at
the exported width (:func:`calibrate_bn`) before the export is meaningful.
"""
import copy
import glob
import os.path as osp
from typing import Dict, Iterator, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.model import revert_sync_batchnorm

from ..registry import MODELS
from ..utils.checkpoint import (read_checkpoint, save_atomically,
                                state_dict_of, strip_prefix)
from .backbones.base import BaseSlimmableBackbone
from .ops import calibrate_bn, convert_to_static, set_width

# mmpretrain's ImageNet normalisation (RGB), used for BN calibration images.
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')


def backbone_cfg_of(cfg: Union[Config, Mapping]) -> Dict:
    """The backbone config of a backbone, pretraining or detection config.

    Accepts a whole config (``cfg.model.backbone``), a model config
    (``cfg.backbone``) or a backbone config itself (has ``type``).
    """
    if 'model' in cfg and isinstance(cfg['model'], Mapping):
        cfg = cfg['model']
    if 'backbone' in cfg and isinstance(cfg['backbone'], Mapping):
        cfg = cfg['backbone']
    if 'type' not in cfg:
        raise KeyError(
            'Found no backbone in this config: expected model.backbone '
            "(e.g. model = dict(backbone=dict(type='slimmm.SlimmableResNet', "
            '...))).')
    return _to_dict(cfg)


def _to_dict(cfg) -> Dict:
    if isinstance(cfg, ConfigDict):
        return cfg.to_dict()
    return copy.deepcopy(dict(cfg))


def build_backbone(backbone_cfg: Mapping,
                   **overrides) -> BaseSlimmableBackbone:
    """Build a slimmable backbone from its config, without loading weights.

    ``init_cfg`` is dropped (pretrained paths of a config need not exist
    here) and SyncBN is reverted to BN, so this runs on one CPU process.
    """
    cfg = dict(_to_dict(backbone_cfg), init_cfg=None)
    cfg.update(overrides)
    backbone = MODELS.build(cfg)
    if not isinstance(backbone, BaseSlimmableBackbone):
        raise TypeError(
            f'{cfg["type"]} is not a slimmable backbone (a subclass of '
            'slimmm BaseSlimmableBackbone); per-width tools need one, e.g. '
            "type='slimmm.SlimmableResNet'.")
    return revert_sync_batchnorm(backbone)


def static_at(module: nn.Module, width: float,
              depth: Optional[Sequence[int]] = None) -> nn.Module:
    """A plain copy of ``module`` (a slimmable backbone, neck or head) at
    ``width`` and, for a depth-sampled backbone, ``depth`` (blocks per
    stage); the original is kept."""
    if hasattr(module, 'check_width'):
        width = module.check_width(width)
    static = copy.deepcopy(module)
    set_width(static, width)
    if depth is not None:
        static.set_depth(depth)
    return convert_to_static(static, width)


def static_config(backbone_cfg: Mapping, width: float) -> Dict:
    """The slimmm config of the fixed-width (static) build at ``width``
    (it keeps ``widths`` / ``width_range``: the width is checked against
    them)."""
    return dict(_to_dict(backbone_cfg), width=float(width), init_cfg=None)


def export_width(backbone: BaseSlimmableBackbone, width: float,
                 backbone_cfg: Optional[Mapping] = None,
                 source: Optional[str] = None) -> Dict:
    """The checkpoint dict of the plain network of ``backbone`` at ``width``.

    A universally slimmable backbone must have been recalibrated at
    ``width`` (:func:`calibrate_bn`) first; switchable BN needs nothing.

    Args:
        backbone: The slimmable backbone with its trained weights.
        width: The width to export.
        backbone_cfg: Its config; stored as the static slimmm config.
        source: Where the weights came from (stored in ``meta``).

    Returns:
        dict: ``state_dict`` (plain keys and shapes) and ``meta``.
    """
    inactive = [i for i, stage in enumerate(getattr(backbone, 'stages', []))
                if getattr(stage, 'active_blocks', len(stage)) != len(stage)]
    if inactive:
        raise ValueError(
            f'Stages {inactive} run fewer blocks than they hold (depth '
            'sampling); call set_depth(None) to export the full depth.')
    width = backbone.check_width(width)
    static = static_at(backbone, width)
    state_dict = {
        k: v.detach().clone()
        for k, v in static.state_dict().items()
    }
    meta = dict(
        width=width,
        plain_config=backbone.plain_config(width),
        static_config=None if backbone_cfg is None else static_config(
            backbone_cfg, width),
        universal=backbone.width_space.universal,
        source=source)
    return dict(state_dict=state_dict, meta=meta)


def checkpoint_config(ckpt: Dict, checkpoint: str,
                      config: Optional[Union[str, Config]] = None,
                      cfg_options: Optional[Dict] = None) -> Config:
    """The config a checkpoint was trained with: ``config`` (path or
    Config), else the config text mmengine's Runner stores in
    ``meta['cfg']``; ``cfg_options`` merged in."""
    if config is None:
        cfg_text = (ckpt.get('meta') or {}).get('cfg')
        if not cfg_text:
            raise ValueError(
                f'{checkpoint!r} stores no config (meta["cfg"]); pass the '
                'config it was trained with, e.g. --config '
                'configs/backbones/slimmable-r50_4widths.py.')
        config = Config.fromstring(cfg_text, '.py')
    elif isinstance(config, str):
        config = Config.fromfile(config)
    if cfg_options:
        config.merge_from_dict(cfg_options)
    return config


def load_slimmable_backbone(checkpoint: str,
                            config: Optional[Union[str, Config]] = None,
                            prefix: str = 'backbone.',
                            cfg_options: Optional[Dict] = None):
    """Build the slimmable backbone of ``checkpoint`` and load it strictly.

    Args:
        checkpoint: A slimmm training checkpoint (or a bare backbone state
            dict with ``prefix=''``).
        config: The config it was trained with (path or Config). Without
            it, the config text mmengine's Runner stores in
            ``meta['cfg']`` is used.
        prefix: Where the backbone lives in the checkpoint's state dict.
        cfg_options: Overrides merged into the config (``--cfg-options``).

    Returns:
        tuple: ``(backbone, backbone_cfg)``.
    """
    ckpt = read_checkpoint(checkpoint)
    config = checkpoint_config(ckpt, checkpoint, config, cfg_options)
    backbone_cfg = backbone_cfg_of(config)
    backbone = build_backbone(backbone_cfg, width=None)
    state = strip_prefix(state_dict_of(ckpt), prefix, source=checkpoint)
    backbone.load_slimmable_state_dict(state, source=checkpoint)
    return backbone, backbone_cfg


def image_folder_batches(folder: str, batch_size: int = 32,
                         size: int = 224,
                         mean: Sequence[float] = IMAGENET_MEAN,
                         std: Sequence[float] = IMAGENET_STD
                         ) -> Iterator[torch.Tensor]:
    """Normalised ``(B, 3, size, size)`` batches of the images under
    ``folder`` (recursively; sorted, so calibration is reproducible),
    through mmpretrain's ImageNet test pipeline: ``LoadImageFromFile``,
    ``ResizeEdge`` of the short side to ``size * 256 / 224``,
    ``CenterCrop``, ``PackInputs``, then its ``ClsDataPreprocessor``
    (RGB, ``mean`` / ``std``).
    """
    from mmengine.dataset import Compose
    from mmpretrain.models import ClsDataPreprocessor
    from mmpretrain.registry import TRANSFORMS
    paths = sorted(
        p for p in glob.glob(osp.join(folder, '**', '*'), recursive=True)
        if p.lower().endswith(IMAGE_SUFFIXES))
    if not paths:
        raise FileNotFoundError(
            f'No image ({"/".join(IMAGE_SUFFIXES)}) under {folder!r}; '
            'point --calib-data at a folder of training images.')
    pipeline = Compose([TRANSFORMS.build(step) for step in (
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=int(round(size * 256 / 224)),
             edge='short'),
        dict(type='CenterCrop', crop_size=size),
        dict(type='PackInputs'))])
    preprocessor = ClsDataPreprocessor(mean=mean, std=std, to_rgb=True)
    for start in range(0, len(paths), batch_size):
        packed = [pipeline(dict(img_path=path))
                  for path in paths[start:start + batch_size]]
        batch = preprocessor(dict(
            inputs=[p['inputs'] for p in packed],
            data_samples=[p['data_samples'] for p in packed]), False)
        yield batch['inputs']


def calibrate_backbone(backbone: BaseSlimmableBackbone, width: float,
                       folder: str, num_batches: int = 10,
                       batch_size: int = 32, size: int = 224) -> int:
    """Recalibrate the BN of ``backbone`` at ``width`` on images of
    ``folder``; returns the number of batches used."""
    return calibrate_bn(backbone,
                        image_folder_batches(folder, batch_size, size),
                        width, num_batches=num_batches)


def save_exported(checkpoint: Dict, out: str, force: bool = False) -> str:
    """Write an exported checkpoint; never overwrites unless ``force``."""
    if osp.exists(out) and not force:
        raise FileExistsError(
            f'{out!r} exists; choose another --out or pass --force to '
            'overwrite it.')
    save_atomically(checkpoint, out)  # a kill never leaves half a file
    return out


def is_per_width_detector_config(model_cfg: Mapping) -> bool:
    """Whether a model config is a detector fine-tuned at ONE width of a
    slimmm backbone (``type='slimmm.MaskRCNN'`` etc., ``backbone.width``
    set): its checkpoint already holds that width's plain weights."""
    from mmdet.models.detectors import BaseDetector
    if not hasattr(model_cfg, 'get'):
        return False
    backbone = model_cfg.get('backbone')
    type_name = str(model_cfg.get('type', ''))
    detector = (MODELS.get(type_name.split('.', 1)[1])
                if type_name.startswith('slimmm.') else None)
    return (isinstance(detector, type) and issubclass(detector, BaseDetector)
            and isinstance(backbone, Mapping)
            and backbone.get('width') is not None
            and str(backbone.get('type', '')).startswith('slimmm.'))


def _stock_backbone_type(type_name: str) -> str:
    """A stock backbone type as an mmdet config names it: mmdet's own
    (``ResNet``) bare, mmpretrain's (``VisionTransformer``) with its
    scope."""
    from mmdet.registry import MODELS as MMDET_MODELS
    if type_name in MMDET_MODELS.module_dict or '.' in type_name:
        return type_name
    return 'mmpretrain.' + type_name


def stock_backbone_config(backbone: BaseSlimmableBackbone,
                          source: Mapping, width: float) -> Dict:
    """The backbone config of a stock detector equal to ``backbone`` (built
    from ``source``) at ``width``: the stock network of that width
    (``backbone.plain_config``: mmdet's ``ResNet``, mmpretrain's
    ``VisionTransformer``) with the source's norm and freezing settings,
    or, where no stock network has the width's channels, slimmm's static
    network (``width=w``; slimmm imported). No pretrained weights."""
    plain = backbone.plain_config(width)
    if plain is None:
        plain = dict(copy.deepcopy(dict(source)), width=width, init_cfg=None)
        if '.' not in plain['type']:  # built by mmdet's registry
            plain['type'] = 'slimmm.' + plain['type']
        return plain
    for key in ('frozen_stages', 'norm_cfg', 'norm_eval'):
        if key in source:
            plain[key] = copy.deepcopy(source[key])
    return dict(plain, type=_stock_backbone_type(plain['type']),
                init_cfg=None)


def plain_detector_config(model_cfg: Mapping) -> Dict:
    """The stock mmdet model config equal to a per-width slimmm detector
    config (:func:`is_per_width_detector_config`).

    The detector becomes mmdet's class of the same name (``MaskRCNN``);
    the backbone the stock network of its width
    (``BaseSlimmableBackbone.plain_config``: mmdet's ``ResNet``,
    mmpretrain's ``VisionTransformer`` with ``out_type='featmap'``) or,
    where no stock network has the width's channels, slimmm's static
    network; the neck's ``in_channels`` are typed. A neck that exists only
    in slimmm (``slimmm.SimpleFeaturePyramid``) stays slimmm's.

    Raises:
        ValueError: the config is not a per-width slimmm detector.
    """
    cfg = _to_dict(model_cfg)
    if not is_per_width_detector_config(cfg):
        raise ValueError(
            f'{cfg.get("type")!r} with backbone width '
            f'{(cfg.get("backbone") or {}).get("width")!r} is not a '
            'per-width slimmm detector: expected e.g. '
            "type='slimmm.MaskRCNN' with model.backbone.width=0.5.")
    source = dict(cfg['backbone'], init_cfg=None)
    width = float(source['width'])
    type_name = source['type'].split('.', 1)[1]
    kwargs = {k: v for k, v in source.items() if k != 'type'}
    try:
        # Shapes only: the meta device allocates and initialises nothing.
        with torch.device('meta'):
            backbone = MODELS.get(type_name)(**kwargs)
    except NotImplementedError:  # its __init__ reads tensor values
        backbone = MODELS.get(type_name)(**kwargs)
    stock = dict(cfg, type=cfg['type'].split('.')[-1],
                 backbone=stock_backbone_config(backbone, source, width))
    if stock.get('neck') is not None:
        stock['neck'] = dict(stock['neck'],
                             in_channels=backbone.feature_channels(width))
    return stock


def export_detector(detector: nn.Module, model_cfg: Mapping,
                    source: Optional[str] = None) -> Dict:
    """The checkpoint dict of a per-width detector as the stock detector
    of :func:`plain_detector_config`: ``state_dict`` (its keys are already
    the stock ones: the backbone was built static at its width) and
    ``meta`` (``width``, ``plain_config``)."""
    plain = plain_detector_config(model_cfg)
    state_dict = {k: v.detach().clone()
                  for k, v in detector.state_dict().items()}
    return dict(state_dict=state_dict,
                meta=dict(width=float(model_cfg['backbone']['width']),
                          plain_config=plain, protocol='per-width',
                          source=source))
