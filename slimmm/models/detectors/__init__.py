"""mmdet detectors over slimmm backbones (one per file)."""
from .joint import (JointFasterRCNN, JointFCOS, JointMaskRCNN, JointRetinaNet,
                    JointSlimmableDetector, build_joint_detector,
                    feature_specs, is_joint_config,
                    read_leading_input_channels, switch_norms_per_width)
from .width_matched import (FCOS, FasterRCNN, MaskRCNN, RetinaNet,
                            WidthMatchedNeckMixin, backbone_feature_channels,
                            match_neck_to_backbone)

__all__ = [
    'FasterRCNN', 'MaskRCNN', 'RetinaNet', 'FCOS', 'WidthMatchedNeckMixin',
    'backbone_feature_channels', 'match_neck_to_backbone',
    'JointSlimmableDetector', 'JointMaskRCNN', 'JointFasterRCNN',
    'JointRetinaNet', 'JointFCOS',
    'build_joint_detector', 'is_joint_config', 'feature_specs',
    'read_leading_input_channels', 'switch_norms_per_width'
]
