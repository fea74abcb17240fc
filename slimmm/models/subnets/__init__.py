"""Training a slimmable network's sub-networks: which widths (and depths)
run in an iteration (:mod:`.sampling`) and one backward per sub-network
with one optimizer step (:mod:`.backward`). Used by the self-supervised
algorithms and the joint slimmable detector alike."""
from .backward import (SubnetBackwardMixin, backward_each, backward_order,
                       backward_uncounted)
from .sampling import (SCHEDULES, SubNet, WidthSampler, build_phases,
                       dynamic_sampling_schedule, sandwich_schedule,
                       set_training_progress, slow_start_schedule,
                       training_progress)

__all__ = [
    'SCHEDULES', 'SubNet', 'WidthSampler', 'build_phases',
    'dynamic_sampling_schedule', 'sandwich_schedule', 'slow_start_schedule',
    'training_progress', 'set_training_progress',
    'SubnetBackwardMixin', 'backward_each', 'backward_order',
    'backward_uncounted'
]
