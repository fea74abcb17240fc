"""Slimmable necks (projectors / predictors) of the SSL algorithms, and the
detection necks that follow a slimmm backbone's width."""
from .simple_feature_pyramid import SimpleFeaturePyramid
from .slimmable_mlp import SlimmableMLPNeck, SlimmableMoCoV2Neck

__all__ = ['SimpleFeaturePyramid', 'SlimmableMLPNeck', 'SlimmableMoCoV2Neck']
