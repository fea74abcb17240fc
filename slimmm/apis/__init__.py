from .config import load_config
from .derive import derive_from_width

__all__ = ['load_config', 'derive_from_width']
