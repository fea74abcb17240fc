"""Slimmable self-supervised algorithms (one per file) and width sampling."""
from .base import (BaseSlimmableSelfSupervisor, backbone_out_spec,
                   build_phases, fill_slimmable_cfg)
from .dspnet import DSPNet
from .sampling import (SubNet, WidthSampler, dynamic_sampling_schedule,
                       sandwich_schedule, slow_start_schedule)
from .slimclr_mocov2 import SlimCLRMoCoV2
from .slimclr_mocov3 import SlimCLRMoCoV3
from .subnet_backward import SubnetBackwardMixin, backward_order
from .us3l import US3L

__all__ = [
    'DSPNet', 'US3L',
    'BaseSlimmableSelfSupervisor', 'backbone_out_spec', 'build_phases',
    'fill_slimmable_cfg', 'SlimCLRMoCoV2', 'SlimCLRMoCoV3', 'SubNet',
    'WidthSampler', 'dynamic_sampling_schedule', 'sandwich_schedule',
    'slow_start_schedule', 'SubnetBackwardMixin', 'backward_order'
]
