"""BN recalibration for a width (US-Nets, "BN calibration").

Statistics accumulated while the width changes every iteration describe no
single width. Before evaluating or exporting a width, reset them and
recompute them as a cumulative average over a few batches, with the network
in train mode (eval mode would leave them untouched) and no gradients.
"""
from typing import Callable, Iterable, Optional

import torch
import torch.nn as nn

from .norm import BATCH_NORM_TYPES, SwitchableBatchNorm2d
from .width import using_width


@torch.no_grad()
def calibrate_bn(model: nn.Module, batches: Iterable, width: float,
                 num_batches: int = 10,
                 forward: Optional[Callable] = None) -> int:
    """Recompute the BN statistics of ``model`` at ``width``.

    Args:
        model (nn.Module): A slimmable network (or a model containing one).
        batches (Iterable): Yields inputs; ``forward(model, batch)`` runs one.
        width (float): The width to calibrate.
        num_batches (int): How many batches to average over.
        forward (Callable, optional): Defaults to ``model(batch)``.

    Returns:
        int: Number of batches actually used.
    """
    forward = forward or (lambda m, batch: m(batch))
    norms = [m for m in model.modules() if isinstance(m, BATCH_NORM_TYPES)]
    saved = [(m, m.momentum, m.training) for m in norms]
    was_training = model.training
    used = 0
    with using_width(model, width):
        model.train()
        active = _active_norms(model, norms, width)
        for m in active:
            m.reset_running_stats()
            m.momentum = None
        for batch in batches:
            if used >= num_batches:
                break
            forward(model, batch)
            used += 1
    for m, momentum, training in saved:
        m.momentum = momentum
    model.train(was_training)
    if used == 0:
        raise ValueError('calibrate_bn got no batch; give it a data loader '
                         'with at least one batch.')
    return used


def _active_norms(model: nn.Module, norms, width: float):
    """The BNs that run at ``width``; the other members of a switchable BN
    keep their statistics."""
    switchable = [m for m in model.modules()
                  if isinstance(m, SwitchableBatchNorm2d)]
    members = {id(bn) for s in switchable for bn in s.norms.values()}
    return [s.member(width) for s in switchable] + \
        [m for m in norms if id(m) not in members]
