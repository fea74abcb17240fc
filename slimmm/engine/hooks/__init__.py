"""Training hooks."""
from .width_schedule_hook import WidthScheduleHook

__all__ = ['WidthScheduleHook']
