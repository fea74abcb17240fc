"""Released US3L checkpoints (github.com/megvii-research/US3L-CVPR2023) to
slimmm.

``models/OFA/us_resnet.py`` keeps torchvision's names (``conv1``, ``bn1``,
``layerS.B.convZ`` / ``bnZ``, ``downsample.0/1``, ``fc``) and ONE BN per
layer (``USBatchNorm2d``) sliced to ``make_divisible(C * w, 8)`` channels,
as slimmm's :class:`SlicedBatchNorm2d`. The SSL wrappers
(``utils/ssl_algorithms/*.py``) put it under ``encoder_q.`` (plus
``encoder_k``, ``predictor``, ``predictor_new``, ``proj_conv``), saved as
``{'state_dict': ...}`` of a DDP model (``module.``).

With more than one sampled width (``NUM_SAMPLE_TRAINING > 1``, the US3L
recipes) the BNs are built with ``track_running_stats=False``: the file
holds no running statistics. The converted checkpoint then gets the BN's
initial statistics (mean 0, variance 1) and ``meta['bn_running_stats'] =
False``; every slimmm tool recalibrates a universally slimmable width
before evaluating or exporting it (probes and kNN on training batches,
``export_width.py --calib-data``).

Channel rule: US3L rounds each layer's own channels (``make_divisible(C *
w, 8)`` for every conv and BN), slimmm's ``channel_rule='layer'``; the
target config must use it (slimmm's default 'stage' rule derives a stage's
channels from the rounded base width and agrees only where ``64 * w`` is a
multiple of 8: at w = 0.6 ResNet-50's last stage would have 1280 channels
instead of US3L's 1232). The converted checkpoint records the rule in
``meta['channel_rule']``; a slimmable backbone with the other rule refuses
to load it.
"""
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, Mapping, Optional, Tuple

import torch

from ...utils.checkpoint import read_checkpoint, state_dict_of
from .common import (Conversion, ConversionError, build_target_state,
                     check_against_target, check_stage_blocks, config_text,
                     initial_value, load_target_config, packaged_config)
from .slimclr import nested_stage_blocks

US3L_CONFIG = 'configs/us3l/us3l_us-r50_8xb64-coslr-100e_in1k.py'
#: where the backbone may live, most specific first
US3L_PREFIXES = ('module.encoder_q.', 'encoder_q.', 'module.encoder.',
                 'module.', '')
RUNNING_STATS = ('running_mean', 'running_var', 'num_batches_tracked')
#: source sub-modules left out on purpose, with the reason
US3L_DROPPED = (
    (re.compile(r'^(module\.)?encoder_q\.fc\.|^(module\.)?fc\.'),
     'projector / classifier fc (no slimmm counterpart; a probe trains '
     'its own)'),
    (re.compile(r'^(module\.)?encoder_k\.'), 'momentum encoder'),
    (re.compile(r'^(module\.)?(predictor|predictor_new|proj_conv)\.'),
     'BYOL predictor / distillation heads'),
)
_BACKBONE = re.compile(r'^(conv1\.|bn1\.|layer[0-9]+\.)')


def find_backbone_prefix(state_dict: Mapping) -> str:
    for prefix in US3L_PREFIXES:
        if any(k.startswith(prefix + 'layer1.0.conv1.')
               for k in state_dict):
            return prefix
    if any('.features.' in k or k.startswith('features.')
           for k in state_dict):
        raise ConversionError(
            'This checkpoint has flat features.N blocks with switchable BN '
            '(bn.k): a SlimCLR checkpoint. Use tools/model_converters/'
            'slimclr_to_slimmm.py.')
    raise ConversionError(
        'Unknown checkpoint layout (first keys: '
        f'{list(state_dict)[:4]}): expected US3L\'s torchvision ResNet '
        "names under 'module.encoder_q.' (e.g. "
        "'module.encoder_q.layer1.0.conv1.weight').")


def convert_us3l_state(state_dict: Mapping, prefix: str) -> Conversion:
    """Rename the backbone under ``prefix``; drop the known other parts."""
    out = Conversion()
    for key, value in state_dict.items():
        rest = key[len(prefix):] if key.startswith(prefix) else None
        if rest is not None and _BACKBONE.match(rest):
            if '.bn.' in rest:  # a switchable BN member: not US3L
                out.unmapped.append(key)
            else:
                out.put('backbone.' + rest, value, key)
            continue
        for pattern, reason in US3L_DROPPED:
            if pattern.match(key):
                out.drop(reason, key)
                break
        else:
            out.unmapped.append(key)
    return out


def fill_running_stats(conversion: Conversion,
                       target: Mapping[str, torch.Tensor]) -> bool:
    """Give the BNs the initial statistics of the target when the source
    tracked none; returns whether the source had them. A source with the
    statistics of only some BNs is refused."""
    norms = {k.rsplit('.', 1)[0] for k in target
             if k.startswith('backbone.') and k.endswith('.running_var')}
    have = {n for n in norms
            if n + '.running_var' in conversion.state_dict}
    if have and have != norms:
        raise ConversionError(
            f'{len(have)} of {len(norms)} BN layers have running '
            f'statistics (e.g. missing in {sorted(norms - have)[:3]}); '
            'the file is truncated or mixes two models.')
    if have:
        return True
    for norm in sorted(norms):
        for name in RUNNING_STATS:
            key = f'{norm}.{name}'
            conversion.generate(key, initial_value(key, target[key], None))
    return False


def convert_us3l(src: str, config: Optional[str] = None
                 ) -> Tuple[Conversion, Dict]:
    """Convert a US3L checkpoint file; returns the conversion and the
    ``meta`` to save. Raises :class:`ConversionError` before anything is
    written."""
    raw = read_checkpoint(src)
    source = OrderedDict(state_dict_of(raw))
    prefix = find_backbone_prefix(source)
    config_path = config or packaged_config(US3L_CONFIG)
    cfg = load_target_config(config_path)
    target, backbone = build_target_state(cfg, ['backbone'])
    if not backbone.width_space.universal:
        raise ConversionError(
            f'{config_path!r} builds a backbone with switchable BN (widths'
            f' {backbone.widths}); US3L shares one BN over all widths: '
            'pass a universally slimmable config (width_range), e.g. '
            f'{US3L_CONFIG}.')
    if getattr(backbone, 'channel_rule', None) != 'layer':
        raise ConversionError(
            f'{config_path!r} builds a backbone with channel_rule='
            f'{getattr(backbone, "channel_rule", None)!r}; US3L rounds every '
            "layer's channels: add channel_rule='layer' to its backbone "
            f'(as {US3L_CONFIG} does), or the non-quarter widths would not '
            "be US3L's network.")
    blocks = nested_stage_blocks(
        [k[len(prefix):] for k in source if k.startswith(prefix)])
    check_stage_blocks(blocks, backbone.stage_blocks, config_path)
    conversion = convert_us3l_state(source, prefix)
    has_stats = fill_running_stats(conversion, target)
    check_against_target(conversion, target, ['backbone'], src,
                         config_path)
    space = backbone.width_space
    meta = dict(
        source=osp.abspath(src),
        source_format='us3l',
        width_range=[space.min, space.max],
        config=config or US3L_CONFIG,
        cfg=config_text(cfg),
        bn_running_stats=has_stats,
        bn_recalibration_required=True,
        epoch=raw.get('epoch'),
        channel_rule='layer',
        note='US3L\'s per-layer channel rule; BN statistics must be '
        'recalibrated at each width')
    return conversion, meta
