"""Slimmable self-supervised algorithms (one per file) and width sampling."""
from .base import (BaseSlimmableSelfSupervisor, backbone_out_spec,
                   build_phases, fill_slimmable_cfg)
from .sampling import (SubNet, WidthSampler, dynamic_sampling_schedule,
                       sandwich_schedule, slow_start_schedule)

__all__ = [
    'BaseSlimmableSelfSupervisor', 'backbone_out_spec', 'build_phases',
    'fill_slimmable_cfg', 'SubNet', 'WidthSampler',
    'dynamic_sampling_schedule', 'sandwich_schedule', 'slow_start_schedule'
]
