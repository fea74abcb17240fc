"""The channels a slimmm backbone config puts out at its width, and the
``in_channels`` of the part that reads them (a detector's or segmentor's
neck, a segmentor's decode / auxiliary head) filled from them.

Shared by the width-matched detectors (``slimmm.models.detectors``) and
segmentors (``slimmm.models.segmentors``): one rule for what ``None``
``in_channels`` become, and one refusal of typed ones that a width does not
produce.
"""
import copy
from typing import Dict, List, Optional, Sequence, Union

import torch

from ...registry import MODELS

SCOPE_PREFIX = 'slimmm.'


def backbone_feature_channels(backbone_cfg: Dict,
                              width: Optional[float] = None
                              ) -> Optional[List[int]]:
    """Channels of each output of a slimmm backbone config.

    The backbone is built on the ``meta`` device (no memory, no weight
    initialisation; on the CPU if its constructor reads tensor values) and
    asked for ``feature_channels(width)``.

    Args:
        backbone_cfg (dict): The backbone's config, e.g.
            ``dict(type='slimmm.SlimmableResNet', depth=18, width=0.5)``.
        width (float, optional): The width to read; default: the config's
            ``width``, or 1.0 for a backbone that switches widths.

    Returns:
        list[int] | None: One channel count per ``out_indices`` entry, or
        None when the type is not a slimmm backbone with
        ``feature_channels()`` (e.g. mmdet's ``ResNet``).
    """
    type_name = backbone_cfg.get('type')
    if not isinstance(type_name, str):
        return None
    if type_name.startswith(SCOPE_PREFIX):
        type_name = type_name[len(SCOPE_PREFIX):]
    # Look the class up in slimmm's registry itself: a registry build would
    # search the default scope (mmdet's, mmseg's) first.
    backbone_cls = None if '.' in type_name else MODELS.get(type_name)
    if backbone_cls is None or not hasattr(backbone_cls, 'feature_channels'):
        return None
    kwargs = {k: v for k, v in copy.deepcopy(backbone_cfg).items()
              if k not in ('type', 'init_cfg')}
    try:
        with torch.device('meta'):
            backbone = backbone_cls(**kwargs)
    except NotImplementedError:  # its __init__ reads tensor values
        backbone = backbone_cls(**kwargs)
    return [int(c) for c in backbone.feature_channels(width)]


def _select(channels: List[int], in_index: Union[None, int, Sequence[int]]
            ) -> Union[int, List[int]]:
    """The channels a part reads: all outputs (a neck), one (an mmseg head
    with an int ``in_index``) or several (a list ``in_index``)."""
    if in_index is None:
        return channels
    if isinstance(in_index, int):
        return channels[in_index]
    return [channels[i] for i in in_index]


def match_in_channels(backbone_cfg: Dict, part_cfg: Optional[Dict],
                      part_name: str, index_key: Optional[str] = None
                      ) -> Optional[Dict]:
    """``part_cfg`` with ``in_channels`` set to the backbone's output
    channels when the config leaves them None.

    Args:
        backbone_cfg (dict): The slimmm backbone's config (its ``width``).
        part_cfg (dict, optional): The reading part's config (a neck, a
            decode head); None is passed through.
        part_name (str): Its config path for the messages, e.g.
            ``'model.neck'``.
        index_key (str, optional): The part's key that picks backbone
            outputs (mmseg heads: ``'in_index'``, an int or a list); None:
            the part reads every output (a neck).

    Returns:
        dict | None: A copy of ``part_cfg`` with ``in_channels`` filled.

    Raises:
        ValueError: ``in_channels`` are None but the backbone is not a
            slimmm backbone, or typed ``in_channels`` that the backbone at
            its width does not produce.
    """
    if part_cfg is None:
        return None
    part_cfg = copy.deepcopy(part_cfg)
    typed = part_cfg.get('in_channels')
    channels = backbone_feature_channels(backbone_cfg)
    if channels is None:
        if typed is None:
            raise ValueError(
                f'{part_name}.in_channels=None needs a slimmm backbone; got '
                f'{backbone_cfg.get("type")!r}: type the in_channels.')
        return part_cfg
    in_index = part_cfg.get(index_key) if index_key else None
    try:
        expected = _select(channels, in_index)
    except IndexError:
        raise ValueError(
            f'{part_name}.{index_key}={in_index} picks outputs the backbone '
            f'does not have (it has {len(channels)}: {channels}): set '
            f'{index_key} within range({len(channels)}).') from None
    if typed is None:
        part_cfg['in_channels'] = expected
    elif (list(typed) if isinstance(typed, (list, tuple)) else typed) != \
            expected:
        shown = list(typed) if isinstance(typed, (list, tuple)) else typed
        raise ValueError(
            f'{part_name}.in_channels={shown} does not match the '
            f'backbone at width {backbone_cfg.get("width") or 1.0}, whose '
            f'outputs have {expected} channels: set '
            f'{part_name}.in_channels=None to follow the width.')
    return part_cfg
