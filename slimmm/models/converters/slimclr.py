"""Released SlimCLR checkpoints (github.com/mzhaoshuai/SlimCLR) to slimmm.

The official code saves ``{'state_dict': model.state_dict(), ...}`` of a
DDP model. Layouts, as its model definitions name them:

* ``mocov2`` (``models/s_moco.py`` over ``models/backbones/s_resnet.py``):
  ``module.encoder_q.`` / ``module.encoder_k.`` hold ``conv1``, ``bn1``,
  ``features.{0..15}`` (bottlenecks, flat) with ``shortcut.0/1`` on the
  first block of each stage, and the projector ``fc.0`` / ``fc.2``
  (slimmable linears); ``module.queue`` / ``module.queue_ptr``.
* ``mocov3`` (``models/s_mocov3.py``): ``module.base_encoder.`` /
  ``module.momentum_encoder.``, projector ``fc.0`` (no bias), ``fc.1``
  (switchable BN1d), ``fc.3``, ``fc.4`` (switchable BN1d, affine=False),
  and ``module.predictor.0/1/3`` (no last BN).
* ``linear`` (``main_ssl_lincls.py``, ``slim_fc='supervised_switch'``):
  the backbone under ``module.`` and one linear layer per width,
  ``module.fc.linears.{k}``.
* ``mask-rcnn`` (its mmdetection 1.x fork, ``benchmark/``): ``backbone.``
  with mmdet names (``layerS.B``, ``downsample``), FPN and heads at full
  width.

A switchable BN holds one member ``bn.{k}`` per width. ``s_resnet`` sorts
the widths descending (``bn.0`` is width 1.0); the fork's
``mmdet/flags.py`` lists them ascending (``bn.0`` is 0.25). The member of
each width is read from that order and checked by its channel count.
"""
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch

from ...utils.checkpoint import read_checkpoint, state_dict_of
from ..ops.width import width_key
from .common import (Conversion, ConversionError, block_names,
                     build_target_state, check_against_target,
                     check_stage_blocks, config_text, initial_value,
                     load_target_config, packaged_config, slimmm_member_key,
                     switchable_member)

DEFAULT_WIDTHS = (1.0, 0.75, 0.5, 0.25)

#: layout -> target config (relative to the repository), parts of the
#: slimmm model it provides, config overrides that make the slimmm model
#: the official network, and the order of the BN members.
SLIMCLR_LAYOUTS = {
    'mocov2': dict(
        config='configs/slimclr/'
        'slimclr-mocov2_slimmable-r50_8xb128-coslr-800e_in1k.py',
        parts=('backbone', 'neck'),
        # The official projector (slim_fc='mocov2_slim') slims its hidden
        # layer with the width: at width w it is 2048w -> 2048w -> 128.
        overrides={'model.neck': dict(
            type='slimmm.SlimmableMLPNeck', num_layers=2, slim_hidden=True,
            hid_channels=2048, out_channels=128, init_cfg=None)},
        member_order='descending'),
    'mocov3': dict(
        config='configs/slimclr/'
        'slimclr-mocov3_slimmable-r50_8xb128-lars-coslr-300e_in1k.py',
        parts=('backbone', 'neck', 'predictor'),
        # s_mocov3 builds its predictor with last_bn=False.
        overrides={'model.predictor.with_last_bn': False},
        member_order='descending'),
    'linear': dict(
        config='configs/benchmarks/linear_probe/slimclr-mocov2_'
        'switchable-linear_slimmable-r50_8xb128-steplr-100e_in1k.py',
        parts=('backbone', 'heads', 'probe_widths'),
        overrides={},
        member_order='descending'),
    'mask-rcnn': dict(
        config='configs/benchmarks/mmdetection/'
        'mask-rcnn_slimmable-r50_fpn_syncbn_1x_coco.py',
        parts=('backbone', ),
        overrides={},
        member_order='ascending'),
}

#: where the trained (online) backbone lives in each layout
ONLINE_PREFIX = {'mocov2': 'encoder_q.', 'mocov3': 'base_encoder.',
                 'linear': '', 'mask-rcnn': 'backbone.'}

_FEATURE = re.compile(r'^features\.(?P<index>[0-9]+)\.(?P<rest>.+)$')
_LAYER = re.compile(r'^layer(?P<stage>[0-9]+)\.(?P<index>[0-9]+)\.')


def strip_ddp(state_dict: Mapping) -> Dict[str, torch.Tensor]:
    """Drop the ``module.`` of a DDP-wrapped model when every key has it."""
    if state_dict and all(k.startswith('module.') for k in state_dict):
        return OrderedDict((k[len('module.'):], v)
                           for k, v in state_dict.items())
    return OrderedDict(state_dict)


def detect_slimclr_layout(state_dict: Mapping) -> str:
    """The layout of a (``module.``-stripped) SlimCLR state dict."""
    keys = list(state_dict)

    def has(prefix):
        return any(k.startswith(prefix) for k in keys)

    if has('encoder_q.features.'):
        return 'mocov2'
    if has('base_encoder.features.'):
        return 'mocov3'
    if has('fc.linears.') and has('features.'):
        return 'linear'
    if any(k.startswith('backbone.') and '.bn.' in k for k in keys):
        return 'mask-rcnn'
    if has('encoder_q.layer1.') or has('layer1.0.bn1.weight'):
        raise ConversionError(
            'This checkpoint has torchvision names and one shared BN per '
            'layer: a US3L checkpoint. Use tools/model_converters/'
            'us3l_to_slimmm.py.')
    raise ConversionError(
        'Unknown checkpoint layout (first keys: '
        f'{keys[:4]}). Known SlimCLR layouts: MoCov2 '
        "('module.encoder_q.features.*'), MoCov3 ('module.base_encoder."
        "features.*'), linear evaluation ('module.fc.linears.*'), Mask "
        "R-CNN ('backbone.bn1.bn.*').")


def member_widths(widths: Sequence[float], order: str) -> List[float]:
    """The width of each BN member ``bn.{k}`` in the source."""
    widths = [float(w) for w in widths]
    if len(set(widths)) != len(widths):
        raise ConversionError(f'--widths has duplicates: {widths}.')
    return sorted(widths, reverse=order == 'descending')


def flat_stage_blocks(keys: Sequence[str]) -> Tuple[int, ...]:
    """Blocks per stage of ``s_resnet``'s flat ``features.N``: a stage
    starts at each block with a ``shortcut``."""
    blocks = {int(m['index']) for k in keys for m in [_FEATURE.match(k)] if m}
    starts = sorted({int(m['index']) for k in keys
                     for m in [_FEATURE.match(k)]
                     if m and m['rest'].startswith('shortcut.')})
    if not blocks or not starts or starts[0] != 0 or \
            blocks != set(range(len(blocks))):
        raise ConversionError(
            'The backbone blocks are incomplete (features.N indices '
            f'{sorted(blocks)[:8]}..., shortcuts at {starts}); the state '
            'dict is truncated or not a SlimCLR ResNet.')
    bounds = starts + [len(blocks)]
    return tuple(b - a for a, b in zip(bounds, bounds[1:]))


def nested_stage_blocks(keys: Sequence[str]) -> Tuple[int, ...]:
    """Blocks per stage of ``layerS.B`` names."""
    count: Dict[int, int] = {}
    for key in keys:
        match = _LAYER.match(key)
        if match:
            stage, index = int(match['stage']), int(match['index'])
            count[stage] = max(count.get(stage, 0), index + 1)
    if not count or sorted(count) != list(range(1, len(count) + 1)):
        raise ConversionError(
            f'The backbone stages are incomplete (found layer{sorted(count)})'
            '; the state dict is truncated or not a ResNet.')
    return tuple(count[s] for s in sorted(count))


def rename_resnet(key: str, names: Sequence[str], widths: Sequence[float]
                  ) -> str:
    """slimmm's name of a SlimCLR backbone key (flat or mmdet names)."""
    match = _FEATURE.match(key)
    if match:
        index = int(match['index'])
        key = f'{names[index]}.{match["rest"]}'
    key = key.replace('.shortcut.', '.downsample.')
    member = switchable_member(key, widths)
    return slimmm_member_key(*member) if member else key


def rename_mlp(key: str, prefix: str, widths: Sequence[float]) -> str:
    """``fc.0.weight`` -> ``<prefix>.mlp.0.weight``; BN members renamed."""
    member = switchable_member(key, widths)
    key = slimmm_member_key(*member) if member else key
    return f'{prefix}.mlp.{key.split(".", 1)[1]}'


def _is_backbone_key(key: str) -> bool:
    return key.startswith(('conv1.', 'bn1.', 'features.', 'layer'))


def convert_slimclr_state(state_dict: Mapping, layout: str,
                          widths: Sequence[float], stage_blocks:
                          Sequence[int], keep_momentum: bool = False
                          ) -> Conversion:
    """Rename a (``module.``-stripped) SlimCLR state dict of ``layout``.

    Args:
        state_dict: The source tensors.
        layout: One of :data:`SLIMCLR_LAYOUTS`.
        widths: The widths of its BN members, in the source's order.
        stage_blocks: Blocks per stage (from the source keys).
        keep_momentum: Keep the momentum encoder (and MoCov2's queue) as
            slimmm's ``momentum_encoder`` / ``queue`` for continued
            pretraining.
    """
    names = block_names(stage_blocks)
    out = Conversion()
    online = ONLINE_PREFIX[layout]
    momentum = dict(mocov2='encoder_k.', mocov3='momentum_encoder.').get(
        layout)
    for key, value in state_dict.items():
        if online and key.startswith(online) or not online:
            rest = key[len(online):]
            if _is_backbone_key(rest):
                out.put('backbone.' + rename_resnet(rest, names, widths),
                        value, key)
                continue
            if rest.startswith('fc.') and layout in ('mocov2', 'mocov3'):
                out.put(rename_mlp(rest, 'neck', widths), value, key)
                continue
            match = re.match(r'^fc\.linears\.([0-9]+)\.(weight|bias)$', rest)
            if match and layout == 'linear':
                index = int(match[1])
                if index >= len(widths):
                    out.unmapped.append(key)
                    continue
                out.put(f'heads.{width_key(widths[index])}.{match[2]}',
                        value, key)
                continue
        if momentum and key.startswith(momentum):
            rest = key[len(momentum):]
            if not keep_momentum:
                out.drop('momentum encoder (pass --keep-momentum to keep '
                         'it for continued pretraining)', key)
            elif _is_backbone_key(rest):
                out.put('momentum_encoder.module.0.' +
                        rename_resnet(rest, names, widths), value, key)
            elif rest.startswith('fc.'):
                mlp = rename_mlp(rest, 'neck', widths)
                out.put('momentum_encoder.module.1.' + mlp.split('.', 1)[1],
                        value, key)
            else:
                out.unmapped.append(key)
            continue
        if layout == 'mocov3' and key.startswith('predictor.'):
            out.put(rename_mlp(key, 'predictor', widths), value, key)
            continue
        if layout == 'mocov2' and key in ('queue', 'queue_ptr'):
            if keep_momentum:
                out.put(key, value, key)
            else:
                out.drop('MoCo queue of momentum features', key)
            continue
        if layout == 'mask-rcnn' and key.split('.', 1)[0] in (
                'neck', 'rpn_head', 'bbox_head', 'mask_head'):
            out.drop('detector neck and heads of the mmdetection 1.x fork '
                     '(full-width FPN on zero-padded features, mmdet 1.x '
                     'class order); transfer fine-tunes new ones', key)
            continue
        out.unmapped.append(key)
    return out


def convert_slimclr(src: str, widths: Sequence[float] = DEFAULT_WIDTHS,
                    config: Optional[str] = None,
                    keep_momentum: bool = False,
                    layout: Optional[str] = None) -> Tuple[Conversion, Dict]:
    """Convert a released SlimCLR checkpoint file.

    Args:
        src: The official checkpoint (``{'state_dict': ...}``).
        widths: The widths it was trained with (any order; the order of
            its BN members follows from the layout).
        config: slimmm config of the target model. Default: the layout's
            config of :data:`SLIMCLR_LAYOUTS` with the overrides that make
            it the official network; a given config is used as is.
        keep_momentum: Keep the momentum encoder (and MoCov2's queue).
        layout: Expected layout; refused when the file has another.

    Returns:
        tuple: The :class:`Conversion` and the ``meta`` to save.

    Raises:
        ConversionError: Naming every key that does not fit, before
            anything is written.
    """
    raw = read_checkpoint(src)
    source = strip_ddp(state_dict_of(raw))
    found = detect_slimclr_layout(source)
    if layout is not None and layout != found:
        raise ConversionError(f'{src!r} has the {found} layout, not '
                              f'{layout}.')
    spec = SLIMCLR_LAYOUTS[found]
    order = member_widths(widths, spec['member_order'])
    config_path = config or packaged_config(spec['config'])
    overrides = {} if config else dict(spec['overrides'])
    if keep_momentum and found not in ('mocov2', 'mocov3'):
        raise ConversionError(f'The {found} layout has no momentum encoder;'
                              ' drop --keep-momentum.')
    momentum_parts = ['momentum_encoder'] + (
        ['queue', 'queue_ptr'] if found == 'mocov2' else [])
    parts = list(spec['parts']) + (momentum_parts if keep_momentum else [])
    cfg = load_target_config(config_path, overrides)
    target, model = build_target_state(cfg, parts)
    backbone = getattr(model, 'backbone', model)
    online = ONLINE_PREFIX[found]
    backbone_keys = [k[len(online):] for k in source
                     if k.startswith(online)]
    blocks = (flat_stage_blocks(backbone_keys) if found != 'mask-rcnn'
              else nested_stage_blocks(backbone_keys))
    check_stage_blocks(blocks, backbone.stage_blocks, config_path)
    conversion = convert_slimclr_state(source, found, order, blocks,
                                       keep_momentum)
    # Buffers no source holds: the evaluated widths of a probe, the EMA
    # step counter of slimmm's momentum encoder.
    for key in ('probe_widths', 'momentum_encoder.steps'):
        if key in target and key.split('.', 1)[0] in parts:
            conversion.generate(key,
                                initial_value(key, target[key], model))
    check_against_target(conversion, target, parts, src, config_path)
    meta = dict(
        source=osp.abspath(src),
        source_format=f'slimclr-{found}',
        source_member_order=order,
        widths=sorted(order, reverse=True),
        config=config or spec['config'],
        config_overrides=overrides,
        cfg=config_text(cfg),
        bn_running_stats=True,
        epoch=raw.get('epoch'))
    if found == 'mocov2' and overrides:
        meta['note'] = ('projector: the official one slims its hidden '
                        'layer with the width (SlimmableMLPNeck, '
                        'slim_hidden=True, in the stored cfg)')
    return conversion, meta
