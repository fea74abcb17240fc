"""Checkpoint reading and strict, explained state-dict loading."""
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.runner.checkpoint import CheckpointLoader

_MAX_LISTED = 12


def read_checkpoint(path: str, map_location: str = 'cpu') -> Dict:
    """Load a checkpoint file (safe loader) and return the whole dict."""
    if '://' not in path and not osp.isfile(path):
        raise FileNotFoundError(
            f'Checkpoint {path!r} does not exist; pass the path of a .pth '
            'file written by tools/train.py or an export tool.')
    checkpoint = CheckpointLoader.load_checkpoint(path, map_location)
    if not isinstance(checkpoint, dict):
        raise ValueError(f'{path!r} does not hold a state dict.')
    return checkpoint


def state_dict_of(checkpoint: Mapping) -> Dict[str, torch.Tensor]:
    """The tensors of a checkpoint dict (``state_dict`` or bare)."""
    for key in ('state_dict', 'model'):
        if key in checkpoint and isinstance(checkpoint[key], Mapping):
            return OrderedDict(checkpoint[key])
    return OrderedDict(checkpoint)


def strip_prefix(state_dict: Mapping, prefix: str,
                 source: str = 'checkpoint') -> Dict[str, torch.Tensor]:
    """Keep the keys under ``prefix`` (e.g. ``'backbone.'``), without it."""
    if not prefix:
        return OrderedDict(state_dict)
    out = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                      if k.startswith(prefix))
    if not out:
        sample = list(state_dict)[:5]
        raise KeyError(
            f'No key of {source} starts with {prefix!r} (first keys: '
            f'{sample}). Set the prefix to where the backbone lives in that '
            f'checkpoint, e.g. prefix="backbone." for a whole model.')
    return out


def compare_state_dicts(model_state: Mapping, state_dict: Mapping
                        ) -> Tuple[List[str], List[str], List[str]]:
    """Missing keys, unexpected keys, and shape mismatches (as text)."""
    missing = [k for k in model_state if k not in state_dict]
    unexpected = [k for k in state_dict if k not in model_state]
    mismatched = [
        f'{k}: checkpoint {tuple(state_dict[k].shape)} vs model '
        f'{tuple(model_state[k].shape)}' for k in model_state
        if k in state_dict and hasattr(state_dict[k], 'shape')
        and tuple(state_dict[k].shape) != tuple(model_state[k].shape)
    ]
    return missing, unexpected, mismatched


def _listing(title: str, items: List[str]) -> str:
    if not items:
        return ''
    more = len(items) - _MAX_LISTED
    shown = '\n    '.join(items[:_MAX_LISTED])
    tail = f'\n    ... and {more} more' if more > 0 else ''
    return f'\n  {title} ({len(items)}):\n    {shown}{tail}'


def load_state_dict_strict(model: nn.Module, state_dict: Mapping,
                           source: str = 'checkpoint',
                           hint: Optional[str] = None) -> None:
    """Load every key or raise a ``ValueError`` listing what does not fit.

    Never loads partially: nothing is copied unless everything matches.
    """
    missing, unexpected, mismatched = compare_state_dicts(
        model.state_dict(), state_dict)
    if missing or unexpected or mismatched:
        message = (f'{source} does not fit {type(model).__name__}: it was '
                   'written for another architecture or width list.' +
                   _listing('keys the model needs but the checkpoint lacks',
                            missing) +
                   _listing('keys of the checkpoint the model does not have',
                            unexpected) +
                   _listing('shape mismatches', mismatched))
        if hint:
            message += f'\n  {hint}'
        raise ValueError(message)
    model.load_state_dict(state_dict, strict=True)
