"""One backward per sampled sub-network, one optimizer step per iteration.

For objectives that are a sum of per-sub-network terms against targets
computed once per iteration without gradient (momentum keys or
projections, the full network's detached probabilities), backpropagating
each term as soon as it is computed gives the gradients of the summed loss
while only one sub-network's activations are alive at a time (DSPNet,
section 4.1 after Eq. 7: "no more GPU memory cost than pretraining
individual networks"; the training loop of Slimmable Networks).
"""
import math
from contextlib import nullcontext
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from .sampling import SubNet


def backward_order(subnets: Sequence[SubNet]) -> List[int]:
    """Indices of ``subnets`` in the order their terms are backpropagated:
    the largest (widest, then deepest; ``depth=None`` is the full depth)
    first, the others in sampling order.

    Memory: the gradient buffers exist from the first backward on, so every
    later sub-network builds its activations next to them; the largest
    network's activations are built before they exist, which lowers the
    peak (``tools/analysis_tools/benchmark_pretrain.py`` measures it).
    Under DDP the last backward is the synchronised one; with
    ``find_unused_parameters=True`` the parameters it does not use (deeper
    blocks, other widths' BN members) still contribute the gradients
    accumulated under ``no_sync`` (tested against a single-process
    reference).
    """
    def size(index: int) -> Tuple[float, float]:
        depth = subnets[index].depth
        return subnets[index].width, math.inf if depth is None else sum(depth)

    largest = max(range(len(subnets)), key=size)
    return [largest] + [i for i in range(len(subnets)) if i != largest]


class SubnetBackwardMixin:
    """``train_step`` that backpropagates each sub-network's term in turn.

    Mixed into a :class:`BaseSlimmableSelfSupervisor` subclass, which
    defines:

    * ``subnet_targets(views, subnets)``: what every sub-network of the
      iteration is trained against (no gradient; updates the momentum
      network);
    * ``subnet_loss(subnet, views, targets)``: that sub-network's term (the
      largest runs first, :func:`backward_order`);
    * ``subnet_log(subnets, terms, targets)``: the loss dict to log
      (``terms`` detached, in sampling order).

    Its ``loss`` must stay the sum of the terms in one graph: it is what a
    plain DDP wrapper (``forward(mode='loss')``, one backward) runs.

    With ``shares_stem`` the sub-networks run inside
    ``shared_stem(subnets, uses=len(subnets))``: the stem's shared work
    once per view, backpropagated once, in the last sub-network's backward
    (each sub-network must forward every view once).
    """

    def forward(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List] = None, mode: str = 'tensor',
                subnet: Optional[SubNet] = None, targets: Any = None):
        """mmpretrain's modes plus ``mode='subnet_loss'``
        (``subnet_loss`` of ``subnet`` against ``targets``), the entry
        through which a DDP wrapper runs one sub-network."""
        if mode == 'subnet_loss':
            return self.subnet_loss(subnet, inputs, targets)
        return super().forward(inputs, data_samples, mode=mode)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """Backward per sub-network, one optimizer step."""
        return self.train_subnets(data, optim_wrapper)

    def train_subnets(self, data: Union[dict, tuple, list],
                      optim_wrapper: OptimWrapper,
                      wrapper: Optional[nn.Module] = None
                      ) -> Dict[str, torch.Tensor]:
        """One iteration: the targets once, then each sampled sub-network's
        forward and backward in turn (:func:`backward_order`), then one
        optimizer step.

        Args:
            data: A batch from the dataloader.
            optim_wrapper (OptimWrapper): Steps once per iteration (or per
                ``accumulative_counts`` iterations).
            wrapper (nn.Module, optional): What runs a sub-network, called
                as ``wrapper(views, mode='subnet_loss', subnet=...,
                targets=...)``: this model (default) or a DDP wrapper
                around it, whose forward prepares the gradient reduction.
                Every sub-network but the last runs inside the wrapper's
                ``no_sync()`` (when it has one), so gradients are
                all-reduced once per iteration.

        Returns:
            dict: Logged values (``loss`` and the algorithm's terms).
        """
        wrapper = wrapper if wrapper is not None else self
        # The sampler seeds from (seed, iteration), so every rank draws the
        # same sub-networks without communicating.
        subnets = self.sample_subnets()
        with optim_wrapper.optim_context(wrapper):
            data = self.data_preprocessor(data, True)
            views = data['inputs']
            # Outside the DDP forward: no gradient flows into the targets,
            # and the online parameters a momentum network averages are
            # equal on all ranks.
            targets = self.subnet_targets(views, subnets)
        no_sync = getattr(wrapper, 'no_sync', None)
        order = backward_order(subnets)
        # ``backward`` counts calls for gradient accumulation; the whole
        # iteration must count once however many sub-networks it runs.
        count = optim_wrapper._inner_count
        terms: List[Optional[torch.Tensor]] = [None] * len(subnets)
        # Each sub-network reads every view's shared stem once; the last
        # backward (the synchronised one) carries the stem's.
        with self.shared_stem(subnets, uses=len(subnets)):
            for index in order:
                synced = no_sync is None or index == order[-1]
                with nullcontext() if synced else no_sync():
                    with optim_wrapper.optim_context(wrapper):
                        term = wrapper(views, mode='subnet_loss',
                                       subnet=subnets[index],
                                       targets=targets)
                    optim_wrapper._inner_count = count
                    optim_wrapper.backward(optim_wrapper.scale_loss(term))
                terms[index] = term.detach()
        if optim_wrapper.should_update():
            optim_wrapper.step()
            optim_wrapper.zero_grad()
        losses = self.subnet_log(subnets, terms, targets)
        return self.parse_losses(losses)[1]
