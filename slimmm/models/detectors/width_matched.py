"""mmdet detectors (two-stage and one-stage) whose FPN follows the
backbone's width.

A per-width detection config changes one value,
``model.backbone.width=0.5``; the FPN's ``in_channels`` follow from the
backbone at that width. They are computed here, at build time, before the
stock detector builds its neck, so the config stays a plain MM config and
the built model (module names, checkpoint keys) is exactly mmdet's.
"""
import copy
from typing import Dict, List, Optional

import torch
from mmdet.models.detectors import FCOS as MMDetFCOS
from mmdet.models.detectors import FasterRCNN as MMDetFasterRCNN
from mmdet.models.detectors import MaskRCNN as MMDetMaskRCNN
from mmdet.models.detectors import RetinaNet as MMDetRetinaNet

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
    # search the default scope (mmdet's) first.
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


def match_neck_to_backbone(backbone_cfg: Dict,
                           neck_cfg: Optional[Dict]) -> Optional[Dict]:
    """The neck config with ``in_channels`` set to the backbone's feature
    channels when the config leaves them None.

    Raises:
        ValueError: ``in_channels`` are None but the backbone is not a
            slimmm backbone, or typed ``in_channels`` that the backbone at
            its width does not produce.
    """
    if neck_cfg is None:
        return None
    neck_cfg = copy.deepcopy(neck_cfg)
    typed = neck_cfg.get('in_channels')
    channels = backbone_feature_channels(backbone_cfg)
    if channels is None:
        if typed is None:
            raise ValueError(
                f'model.neck.in_channels=None needs a slimmm backbone; got '
                f'{backbone_cfg.get("type")!r}: type the in_channels.')
        return neck_cfg
    if typed is None:
        neck_cfg['in_channels'] = channels
    elif list(typed) != channels:
        raise ValueError(
            f'model.neck.in_channels={list(typed)} does not match the '
            f'backbone at width {backbone_cfg.get("width") or 1.0}, whose '
            f'outputs have {channels} channels: set '
            'model.neck.in_channels=None to follow the width.')
    return neck_cfg


class WidthMatchedNeckMixin:
    """Fills the neck's ``in_channels`` from the backbone config before the
    detector (the next class in the MRO) builds backbone and neck."""

    def __init__(self, *args, backbone: Dict, neck: Optional[Dict] = None,
                 **kwargs) -> None:
        super().__init__(*args, backbone=backbone,
                         neck=match_neck_to_backbone(backbone, neck),
                         **kwargs)


@MODELS.register_module()
class MaskRCNN(WidthMatchedNeckMixin, MMDetMaskRCNN):
    """mmdet's ``MaskRCNN`` with ``neck.in_channels=None`` taken from a
    slimmm backbone at its ``width`` (``type='slimmm.MaskRCNN'``)."""


@MODELS.register_module()
class FasterRCNN(WidthMatchedNeckMixin, MMDetFasterRCNN):
    """mmdet's ``FasterRCNN`` with ``neck.in_channels=None`` taken from a
    slimmm backbone at its ``width`` (``type='slimmm.FasterRCNN'``)."""


@MODELS.register_module()
class RetinaNet(WidthMatchedNeckMixin, MMDetRetinaNet):
    """mmdet's ``RetinaNet`` with ``neck.in_channels=None`` taken from a
    slimmm backbone at its ``width`` (``type='slimmm.RetinaNet'``)."""


@MODELS.register_module()
class FCOS(WidthMatchedNeckMixin, MMDetFCOS):
    """mmdet's ``FCOS`` with ``neck.in_channels=None`` taken from a slimmm
    backbone at its ``width`` (``type='slimmm.FCOS'``)."""
