"""Training hooks."""
from .calibrate_bn_hook import CalibrateBNHook
from .checkpoint_hook import AtomicCheckpointHook
from .exact_resume_hook import ExactResumeHook
from .gradient_interference_hook import GradientInterferenceHook
from .width_report_hook import WidthReportHook
from .width_schedule_hook import WidthScheduleHook

__all__ = [
    'WidthScheduleHook', 'GradientInterferenceHook', 'CalibrateBNHook',
    'WidthReportHook', 'ExactResumeHook', 'AtomicCheckpointHook'
]
