"""mmdet detectors (two-stage and one-stage) whose FPN follows the
backbone's width.

A per-width detection config changes one value,
``model.backbone.width=0.5``; the FPN's ``in_channels`` follow from the
backbone at that width. They are computed here, at build time, before the
stock detector builds its neck, so the config stays a plain MM config and
the built model (module names, checkpoint keys) is exactly mmdet's.
"""
from typing import Dict, Optional

from mmdet.models.detectors import FCOS as MMDetFCOS
from mmdet.models.detectors import FasterRCNN as MMDetFasterRCNN
from mmdet.models.detectors import MaskRCNN as MMDetMaskRCNN
from mmdet.models.detectors import RetinaNet as MMDetRetinaNet

from ...registry import MODELS
# Re-exported: the channel rule lives next to the backbones, shared with
# the segmentors.
from ..backbones.feature_channels import (  # noqa: F401
    backbone_feature_channels, match_in_channels)


def match_neck_to_backbone(backbone_cfg: Dict,
                           neck_cfg: Optional[Dict]) -> Optional[Dict]:
    """The neck config with ``in_channels`` set to the backbone's feature
    channels when the config leaves them None
    (:func:`~slimmm.models.backbones.feature_channels.match_in_channels`).

    Raises:
        ValueError: ``in_channels`` are None but the backbone is not a
            slimmm backbone, or typed ``in_channels`` that the backbone at
            its width does not produce.
    """
    return match_in_channels(backbone_cfg, neck_cfg, 'model.neck')


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
