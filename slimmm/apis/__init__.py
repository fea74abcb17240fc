from .config import load_config, load_run_config
from .derive import derive_from_width

__all__ = ['load_config', 'load_run_config', 'derive_from_width']
