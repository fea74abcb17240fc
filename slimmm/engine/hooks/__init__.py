"""Training hooks."""
from .gradient_interference_hook import GradientInterferenceHook
from .width_schedule_hook import WidthScheduleHook

__all__ = ['WidthScheduleHook', 'GradientInterferenceHook']
