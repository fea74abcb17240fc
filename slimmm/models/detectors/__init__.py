"""Detectors built on slimmable backbones (one per file)."""
from .joint import (JointFasterRCNN, JointMaskRCNN,
                    JointSlimmableTwoStageDetector, build_joint_detector,
                    feature_specs, is_joint_config,
                    read_leading_input_channels, switch_norms_per_width,
                    width_prefix)

__all__ = [
    'JointSlimmableTwoStageDetector', 'JointMaskRCNN', 'JointFasterRCNN',
    'build_joint_detector', 'is_joint_config', 'feature_specs',
    'read_leading_input_channels', 'switch_norms_per_width', 'width_prefix'
]
