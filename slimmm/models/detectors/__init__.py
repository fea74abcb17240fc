"""mmdet detectors over slimmm backbones."""
from .width_matched import (FasterRCNN, MaskRCNN, WidthMatchedNeckMixin,
                            backbone_feature_channels, match_neck_to_backbone)

__all__ = [
    'FasterRCNN', 'MaskRCNN', 'WidthMatchedNeckMixin',
    'backbone_feature_channels', 'match_neck_to_backbone'
]
