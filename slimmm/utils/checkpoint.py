"""Checkpoint reading, atomic writing, and strict, explained state-dict
loading."""
import io
import os
import os.path as osp
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.fileio import LocalBackend, register_backend
from mmengine.runner.checkpoint import CheckpointLoader

#: ``backend_args`` of a CheckpointHook that writes checkpoints atomically.
ATOMIC_BACKEND = 'slimmm_atomic_local'

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


def write_atomically(data: bytes, path: Union[str, Path]) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder
    and a rename: a process killed while writing leaves the previous file
    (or none), never a truncated one that ``--resume`` would pick up."""
    path = str(path)
    folder = osp.dirname(path) or '.'
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}.{os.getpid()}.tmp')
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def save_atomically(obj: Dict, path: Union[str, Path]) -> None:
    """``torch.save(obj, path)`` through :func:`write_atomically`: the
    converters and the export write their checkpoints the way training
    does."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    write_atomically(buffer.getvalue(), path)


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose ``put`` (what
    ``Runner.save_checkpoint`` writes with) is atomic. Select it with
    ``default_hooks.checkpoint.backend_args=dict(backend=
    'slimmm_atomic_local')``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        write_atomically(obj, filepath)


class ResumeError(RuntimeError):
    """``--resume`` found a record of earlier checkpoints but none of them
    is left complete (the message says what to do)."""


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole checkpoint file. ``torch.save`` writes a
    zip archive whose central directory comes last: a file cut short by a
    kill or a full disk has none. (A legacy, non-zip file passes if it is
    not empty.)"""
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    with open(path, 'rb') as f:
        is_zip = f.read(4) == b'PK\x03\x04'
    return zipfile.is_zipfile(path) if is_zip else True


def complete_checkpoints(work_dir: str) -> List[str]:
    """The complete ``*.pth`` files of ``work_dir``, newest last (hidden
    temporary files of an unfinished save are not checkpoints)."""
    if not osp.isdir(work_dir):
        return []
    paths = [osp.join(work_dir, name) for name in os.listdir(work_dir)
             if name.endswith('.pth') and not name.startswith('.')]
    paths = [path for path in paths if is_complete_checkpoint(path)]
    return sorted(paths, key=lambda path: (osp.getmtime(path), path))


def resume_point(work_dir: str) -> Tuple[Optional[str], Optional[str]]:
    """The checkpoint ``--resume`` should continue from, and a one-line note
    when it is not the one ``work_dir/last_checkpoint`` names.

    * The record names a complete file: that file (no note).
    * The record names a missing or truncated file, or is empty (a kill
      during a save, or an old mmengine ``max_keep_ckpts`` removal): the
      newest complete checkpoint of the work dir, with a note saying so.
    * No record and no checkpoint: ``(None, None)``; nothing was ever saved,
      the run starts from scratch as mmengine's does.
    * A record but no complete checkpoint left: :class:`ResumeError`; the
      run starts afresh only when asked to (without ``--resume``).
    """
    record = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(record):
        with open(record) as f:
            named = f.read().strip()
        if named and is_complete_checkpoint(named):
            return named, None
    candidates = complete_checkpoints(work_dir)
    if named is None and not candidates:
        return None, None
    what = (f'{record} names {named}, which is '
            f'{"incomplete" if osp.isfile(named) else "missing"}'
            if named else f'{record} is empty' if named is not None else
            f'{record} is missing')
    if not candidates:
        raise ResumeError(
            f'{what}, and {work_dir} holds no complete checkpoint to resume '
            f'from; to start this run afresh, run it without --resume (or '
            f'resume=False).')
    return candidates[-1], (f'{what}; resuming from {candidates[-1]}, the '
                            'newest complete checkpoint there.')


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` continues from (:func:`resume_point`
    without its note); None when nothing is left to resume from."""
    try:
        return resume_point(work_dir)[0]
    except ResumeError:
        return None
