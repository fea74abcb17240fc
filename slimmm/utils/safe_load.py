"""Let torch's safe ``torch.load`` read mmengine's own checkpoints.

torch >= 2.6 loads with ``weights_only=True``; mmengine 0.10.7's resume then
fails on the objects its ``message_hub`` pickles (``HistoryBuffer`` holding
numpy arrays). Rather than ``weights_only=False`` (which runs whatever a
file contains), allowlist exactly those types.
"""
import collections
import pickle

import numpy as np
import torch


def _numpy_types():
    types = [np.ndarray, np.dtype]
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    types += [_reconstruct, scalar]
    dtype_classes = getattr(np, 'dtypes', None)
    if dtype_classes is not None:
        types += [
            getattr(dtype_classes, name) for name in dir(dtype_classes)
            if name.endswith('DType')
        ]
    return types


def allow_mmengine_checkpoint_types() -> None:
    """Register the types found in mmengine checkpoints as safe globals."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:  # torch < 2.4 loads them anyway
        return
    from mmengine.logging.history_buffer import HistoryBuffer
    add([HistoryBuffer, collections.OrderedDict, collections.defaultdict] +
        _numpy_types() + [(_history_buffer_getattr, f'{m}.getattr')
                          for m in ('builtins', '__builtin__')])


def _history_buffer_getattr(owner, name: str):
    """The one ``getattr`` an mmengine checkpoint pickles:
    ``HistoryBuffer.__getstate__`` stores its statistics methods
    (``min``, ``max``, ``mean``, ``current``...) as
    ``getattr(HistoryBuffer, name)``. Anything else is refused, so allowing
    this global does not open the safe loader to arbitrary attributes."""
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = {'min', 'max', 'mean', 'current'}.union(
        HistoryBuffer._statistics_methods)  # + methods registered later
    if owner is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Refusing getattr({owner!r}, {name!r}) while loading a checkpoint '
        'safely; only HistoryBuffer statistics methods are allowed.')
