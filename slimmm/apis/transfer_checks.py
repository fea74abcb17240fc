"""Checks of a transfer benchmark's model side, run before any training:
the pretrained checkpoint against every width, and each width's neck (a
segmentor's neck or heads) against its backbone; then its data
(:func:`slimmm.datasets.check_datasets`)."""
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config

from ..datasets import DataInputError, check_datasets
from ..models.detectors import match_neck_to_backbone
from ..models.segmentors import match_segmentor_to_backbone

_NORM_KEY = re.compile(r'(?:^|\.)norms\.([0-9]+(?:_[0-9]+)?)\.')


class TransferInputError(DataInputError):
    """Bad input to a transfer benchmark (raised before training)."""


def checkpoint_widths(state_dict: Dict) -> Optional[List[float]]:
    """Widths of a switchable-BN checkpoint (from its ``norms.<w>`` keys),
    widest first; None when it has no switchable BN (universal or plain)."""
    keys = {m.group(1) for k in state_dict for m in [_NORM_KEY.search(k)]
            if m}
    if not keys:
        return None
    return sorted((float(k.replace('_', '.')) for k in keys), reverse=True)


def check_checkpoint(path: str, backbone_cfg: Dict,
                     widths: Optional[Sequence[float]] = None) -> Dict:
    """The checkpoint exists, holds a backbone of this architecture, and
    was trained with every width of ``widths`` (default: the config's
    ``width``) among its widths.

    Returns:
        dict: ``{'widths': [...] or None, 'num_tensors': int}``.
    """
    from slimmm.models.export import build_backbone
    from slimmm.utils.checkpoint import (load_state_dict_strict,
                                         read_checkpoint, state_dict_of,
                                         strip_prefix)
    if not path:
        raise TransferInputError(
            'No pretrained checkpoint given: pass --checkpoint PATH (the '
            'slimmable checkpoint written by pretraining).')
    if not osp.isfile(path):
        raise TransferInputError(
            f'Checkpoint {path!r} does not exist. Pass --checkpoint with the '
            '.pth file written by the slimmable pretraining (tools/train.py '
            'writes work_dirs/<config>/epoch_N.pth).')
    try:
        raw = read_checkpoint(path)
    except Exception as e:  # unreadable / not a torch file
        raise TransferInputError(
            f'Checkpoint {path!r} cannot be read ({type(e).__name__}: {e}). '
            'Pass a .pth file saved by torch / mmengine.') from e
    prefix = (backbone_cfg.get('init_cfg') or {}).get('prefix', 'backbone.')
    try:
        state = strip_prefix(state_dict_of(raw), prefix, source=path)
    except KeyError as e:
        raise TransferInputError(e.args[0] if e.args else str(e)) from e
    if widths is None:
        widths = [backbone_cfg['width']] if backbone_cfg.get(
            'width') is not None else []
    found = checkpoint_widths(state)
    for width in widths:
        if found is not None and not any(
                abs(float(width) - w) < 1e-9 for w in found):
            raise TransferInputError(
                f'Width {width} is not one of the widths {found} that '
                f'{path!r} was trained with. Choose --widths among {found} '
                '(or pretrain with that width).')
    cfg = dict(backbone_cfg, init_cfg=None)
    if found is not None and cfg.get('widths') is not None and sorted(
            cfg['widths']) != sorted(found):
        raise TransferInputError(
            f'The config builds the backbone with widths {cfg["widths"]} '
            f'but {path!r} holds widths {found}. Set '
            f'model.backbone.widths={found} (--cfg-options) to match the '
            'checkpoint.')
    try:
        slimmable = build_backbone(cfg, width=None)
        load_state_dict_strict(slimmable, state, source=path)
    except ValueError as e:
        raise TransferInputError(
            f'{e}\n  Fix: pass a checkpoint of {backbone_cfg.get("type")} '
            f'(depth {backbone_cfg.get("depth", "-")}) or change '
            'model.backbone to the architecture it was trained with.') from e
    return dict(widths=found, num_tensors=len(state))


def check_transfer_inputs(cfgs: Sequence[Config],
                          checkpoint: Optional[str]) -> None:
    """All checks for the per-width configs of one benchmark (run before
    any training): each width's neck (a segmentor's neck or heads) against
    its backbone, the checkpoint
    against every width, then the datasets."""
    for cfg in cfgs:
        model = cfg.model
        if model.get('decode_head') is not None:  # an mmseg segmentor
            match_segmentor_to_backbone(
                dict(model.backbone), model.decode_head, model.get('neck'),
                model.get('auxiliary_head'))
        elif model.get('neck') is not None:
            match_neck_to_backbone(dict(model.backbone), dict(model.neck))
    widths = [cfg.model.backbone.get('width') for cfg in cfgs]
    if checkpoint is None and not cfgs[0].model.backbone.get('init_cfg'):
        # A random-initialisation baseline: the config asks for no
        # pretrained weights (``init_cfg=None``), so none are checked.
        check_datasets(cfgs[0])
        return
    check_checkpoint(checkpoint, dict(cfgs[0].model.backbone),
                     [w for w in widths if w is not None])
    check_datasets(cfgs[0])
