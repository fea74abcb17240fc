"""Training hooks."""
from .calibrate_bn_hook import CalibrateBNHook
from .checkpoint_hook import AtomicCheckpointHook
from .exact_resume_hook import ExactResumeHook
from .gradient_interference_hook import GradientInterferenceHook
from .width_report_hook import WidthReportHook

__all__ = [
    'GradientInterferenceHook', 'CalibrateBNHook', 'WidthReportHook',
    'ExactResumeHook', 'AtomicCheckpointHook'
]
