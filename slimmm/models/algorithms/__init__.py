"""Slimmable self-supervised algorithms, one per file (their sub-network
sampling and per-sub-network backward: :mod:`slimmm.models.subnets`)."""
from .base import (BaseSlimmableSelfSupervisor, PerWidthSelfSupervisor,
                   backbone_out_spec, fill_slimmable_cfg)
from .dspnet import DSPNet
from .slimclr_mocov2 import SlimCLRMoCoV2
from .slimclr_mocov3 import SlimCLRMoCoV3
from .slimmable_simclr import SlimmableSimCLR
from .slimmable_simsiam import SlimmableSimSiam
from .us3l import US3L

__all__ = [
    'DSPNet', 'US3L', 'BaseSlimmableSelfSupervisor', 'backbone_out_spec',
    'fill_slimmable_cfg', 'SlimCLRMoCoV2', 'SlimCLRMoCoV3', 'SlimmableSimCLR',
    'SlimmableSimSiam', 'PerWidthSelfSupervisor'
]
