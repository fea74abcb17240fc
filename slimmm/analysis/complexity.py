"""Params and FLOPs of a slimmable backbone at each of its widths.

Each width is measured on the deployed network: the backbone converted to
plain layers at that width (one BN per layer, not the switchable copies),
followed by global average pooling and a linear classifier, as the papers'
ImageNet tables (Slimmable Networks Table 1, US-Nets, SlimCLR) count them.
FLOPs are mmengine's count (multiply-accumulates of conv and linear layers,
``FlopAnalyzer`` and ``parameter_count``, the counters behind
``get_model_complexity_info``, without its activation count, which would
trace the network a second time), taken in eval mode.
"""
import copy
import json
from typing import Dict, List, Mapping, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.config import ConfigDict

from ..models.export import build_backbone, static_at

# Widths reported for a universally slimmable backbone (any width in range).
DEFAULT_UNIVERSAL_WIDTHS = (1.0, 0.75, 0.5, 0.25)


class ClassifierProbe(nn.Module):
    """Backbone + global average pooling + linear classifier.

    Args:
        backbone (nn.Module): Returns a tuple of feature maps; the last is
            classified.
        in_features (int): Channels of that last feature map.
        num_classes (int): Classifier outputs.
    """

    def __init__(self, backbone: nn.Module, in_features: int,
                 num_classes: int = 1000):
        super().__init__()
        self.backbone = backbone
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feature = self.backbone(x)[-1]
        if feature.dim() == 4:  # a ViT's class token is already (B, C)
            feature = self.pool(feature)
        return self.fc(torch.flatten(feature, 1))


def widths_to_evaluate(backbone, widths: Optional[Sequence[float]] = None
                       ) -> List[float]:
    """``widths`` (checked against the backbone), else all its widths.

    A static backbone reports its one width; a universal one
    :data:`DEFAULT_UNIVERSAL_WIDTHS` inside its range.
    """
    if widths is not None:
        return [backbone.width_space.check(w) for w in widths]
    if backbone.is_static:
        return [backbone.fixed_width]
    if backbone.width_space.universal:
        space = backbone.width_space
        return [w for w in DEFAULT_UNIVERSAL_WIDTHS
                if space.min - 1e-9 <= w <= space.max + 1e-9]
    return list(backbone.widths)


def _last_channels(backbone, static: nn.Module, width: float,
                   input_size: int) -> int:
    """Channels of the last feature map: from the backbone's
    ``feature_channels`` when it has one, else from a forward pass."""
    if hasattr(backbone, 'feature_channels'):
        return backbone.feature_channels(width)[-1]
    with torch.no_grad():
        return static(torch.zeros(1, 3, input_size, input_size))[-1].shape[1]


def backbone_complexity(backbone_cfg: Mapping,
                        widths: Optional[Sequence[float]] = None,
                        input_size: int = 224,
                        num_classes: int = 1000,
                        cache: Optional[Dict] = None) -> List[Dict]:
    """Params and FLOPs of the plain network of each width.

    Args:
        backbone_cfg: Config of a slimmable backbone (``model.backbone``).
        widths: Widths to measure; defaults to :func:`widths_to_evaluate`.
        input_size: Square input resolution.
        num_classes: Outputs of the linear classifier added on top.
        cache: A dict shared between calls: a width of an architecture
            already measured with the same channels (whatever its width
            list) is not traced again.

    Returns:
        list[dict]: ``{'width', 'params', 'flops'}`` per width, in the order
        measured (params and FLOPs as integers).
    """
    fixed = backbone_cfg.get('width')
    backbone = build_backbone(backbone_cfg, width=None)
    if widths is None and fixed is not None:
        widths = [fixed]
    backbone.eval()
    rows = []
    arch = _architecture_key(backbone_cfg, input_size, num_classes)
    for width in widths_to_evaluate(backbone, widths):
        static = static_at(backbone, width).eval()
        # The width list can change the channels of a width (a universal
        # ResNet rounds them to multiples of 8), so the shapes are the key.
        key = (arch, width, _shapes(static))
        if cache is not None and key in cache:
            rows.append(dict(cache[key]))
            continue
        channels = _last_channels(backbone, static, width, input_size)
        probe = ClassifierProbe(static, channels, num_classes).eval()
        flops = FlopAnalyzer(probe,
                             (torch.zeros(1, 3, input_size, input_size), ))
        # Pooling, additions and BN are not counted (nor in the papers'
        # FLOPs); no need to warn about each of them.
        flops.unsupported_ops_warnings(False)
        flops.uncalled_modules_warnings(False)
        rows.append(
            dict(width=float(width), params=int(parameter_count(probe)['']),
                 flops=int(flops.total())))
        if cache is not None:
            cache[key] = dict(rows[-1])
    return rows


def _shapes(module: nn.Module) -> tuple:
    return tuple((name, tuple(tensor.shape))
                 for name, tensor in module.state_dict().items())


# Arguments that do not change the network of one width once its channels
# are fixed (the cache key adds the parameter shapes, see above).
_NOT_ARCHITECTURE = ('widths', 'width_range', 'width', 'init_cfg', 'norm_cfg',
                     'norm_eval', 'frozen_stages', 'zero_init_residual')


def _architecture_key(backbone_cfg: Mapping, input_size: int,
                      num_classes: int) -> str:
    arch = {k: v for k, v in backbone_cfg.items()
            if k not in _NOT_ARCHITECTURE}
    return json.dumps([arch, input_size, num_classes], sort_keys=True,
                      default=str)


def complexity_table(rows: Sequence[Mapping], title: Optional[str] = None
                     ) -> str:
    """Markdown table of :func:`backbone_complexity` rows (M params, G
    FLOPs)."""
    lines = [] if title is None else [f'**{title}**', '']
    lines += ['| width | params (M) | FLOPs (G) |', '|---|---|---|']
    for row in rows:
        lines.append(f'| {float(row["width"])} | '
                     f'{row["params"] / 1e6:.2f} | '
                     f'{row["flops"] / 1e9:.2f} |')
    return '\n'.join(lines)


class _TensorMode(nn.Module):
    """A detector or segmentor traced in its ``'tensor'`` mode on one image
    (the samples carry the image shape its heads read)."""

    def __init__(self, model: nn.Module, samples: list):
        super().__init__()
        self.model, self.samples = model, samples

    def forward(self, inputs: torch.Tensor):
        return self.model(inputs, self.samples, mode='tensor')


def eval_input_shape(cfg: Mapping, default: int = 224) -> tuple:
    """``(height, width)`` of a test image of a detection or segmentation
    config: the short and long side of its test pipeline's ``Resize``
    scale, padded to a multiple of 32 as mmdet's data preprocessor does
    (square ``default`` without one).

    With ``keep_ratio=True`` that scale bounds the resized image, so this
    is the largest test input: mmdet's ``(1333, 800)`` gives 800 x 1344,
    mmseg's ADE20K ``(2048, 512)`` 512 x 2048 (the size at which UperNet's
    ADE20K FLOPs are usually quoted) and Cityscapes' ``(2048, 1024)`` the
    full 1024 x 2048 frame.
    """
    loader = cfg.get('test_dataloader') or cfg.get('val_dataloader') or {}
    pipeline = (loader.get('dataset') or {}).get('pipeline') or []
    for step in pipeline:
        scale = step.get('scale') if isinstance(step, Mapping) else None
        if step.get('type') == 'Resize' and scale:
            sides = [scale, scale] if isinstance(scale, int) else list(scale)
            short, long = sorted(int(s) for s in sides)
            return tuple(-(-side // 32) * 32 for side in (short, long))
    return default, default


def _registry_and_sample(scope: str, shape: tuple):
    """The model registry of ``scope`` and a data sample of one
    ``shape`` image for its tensor mode."""
    metainfo = dict(img_shape=shape, ori_shape=shape, pad_shape=shape,
                    batch_input_shape=shape, scale_factor=(1.0, 1.0))
    if scope == 'mmseg':
        from mmseg.registry import MODELS
        from mmseg.structures import SegDataSample
        return MODELS, SegDataSample(metainfo=metainfo)
    if scope == 'mmdet':
        from mmdet.registry import MODELS
        from mmdet.structures import DetDataSample
        return MODELS, DetDataSample(metainfo=metainfo)
    raise ValueError(f'model_complexity counts mmdet detectors and mmseg '
                     f"segmentors; got scope {scope!r}: use 'mmdet' or "
                     "'mmseg' (the config's default_scope).")


def model_complexity(model_cfg: Mapping, input_shape: Sequence[int],
                     scope: str = 'mmdet') -> Dict[str, float]:
    """Params and FLOPs of the WHOLE detector or segmentor of
    ``model_cfg`` (backbone at its width, neck, heads) on one
    ``(height, width)`` image, counted as mmdet's and mmseg's
    ``get_flops`` do (``'tensor'`` mode: a detector's proposals included,
    a segmentor's decode head at its output stride; the auxiliary heads,
    unused at test time, count in the params but not in the FLOPs, as in
    mmseg's ``get_flops``).
    At a narrow width the neck and heads, which keep their channels, are
    most of the cost that the backbone's own FLOPs hide.

    Args:
        model_cfg (Mapping): The config's ``model``.
        input_shape (Sequence[int]): ``(height, width)``
            (:func:`eval_input_shape`).
        scope (str): The config's ``default_scope``: ``'mmdet'`` or
            ``'mmseg'``.

    Returns:
        dict: ``model_M_params`` and ``model_GFLOPs``.
    """
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import DefaultScope

    height, width = (int(s) for s in input_shape)
    shape = (height, width)
    registry, sample = _registry_and_sample(scope, shape)
    cfg = dict(copy.deepcopy(dict(model_cfg)))
    cfg['backbone'] = dict(cfg['backbone'], init_cfg=None)
    with DefaultScope.overwrite_default_scope(scope):
        model = revert_sync_batchnorm(registry.build(
            ConfigDict(cfg))).eval()
    with torch.no_grad():
        flops = FlopAnalyzer(_TensorMode(model, [sample]),
                             (torch.zeros(1, 3, height, width), ))
        flops.unsupported_ops_warnings(False)
        flops.uncalled_modules_warnings(False)
        total = flops.total()
    return dict(model_M_params=round(parameter_count(model)[''] / 1e6, 3),
                model_GFLOPs=round(total / 1e9, 3))
