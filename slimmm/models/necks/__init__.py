"""Slimmable necks (projectors / predictors) of the SSL algorithms."""
from .slimmable_mlp import SlimmableMLPNeck, SlimmableMoCoV2Neck

__all__ = ['SlimmableMLPNeck', 'SlimmableMoCoV2Neck']
