from .checkpoint import (compare_state_dicts, load_state_dict_strict,
                         read_checkpoint, state_dict_of, strip_prefix)
from .safe_load import allow_mmengine_checkpoint_types

__all__ = [
    'read_checkpoint', 'state_dict_of', 'strip_prefix', 'compare_state_dicts',
    'load_state_dict_strict', 'allow_mmengine_checkpoint_types'
]
