"""One backward per sampled sub-network, one optimizer step per iteration.

For objectives that are a sum of per-sub-network terms against targets
computed once per iteration without gradient (momentum keys or
projections, the full network's detached logits), backpropagating each
term as soon as it is computed gives the gradients of the summed loss while
only one sub-network's activations are alive at a time (DSPNet, section 4.1
after Eq. 7: "no more GPU memory cost than pretraining individual
networks"; the training loop of Slimmable Networks).
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

    The largest network's activations are built before any gradient buffer
    exists; every later (smaller) sub-network builds its activations next
    to them, so the peak is lower than with the largest last. Under DDP the
    last backward is the synchronised one; with
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


def backward_uncounted(optim_wrapper: OptimWrapper,
                       term: torch.Tensor) -> None:
    """``term``'s backward scaled as ``optim_wrapper.backward`` scales it
    (``scale_loss`` for gradient accumulation; an ``AmpOptimWrapper``'s
    ``loss_scaler``), without counting it: the iteration is counted once, by
    the ``update_params`` of its last sub-network."""
    loss = optim_wrapper.scale_loss(term)
    scaler = getattr(optim_wrapper, 'loss_scaler', None)
    (loss if scaler is None else scaler.scale(loss)).backward()


class SubnetBackwardMixin:
    """``train_step`` that backpropagates each sub-network's term in turn.

    Mixed into a :class:`BaseSlimmableSelfSupervisor` subclass, which
    defines:

    * ``subnet_targets(views, subnets)``: what every sub-network of the
      iteration is trained against (no gradient; updates the momentum
      encoder);
    * ``subnet_loss(subnet, views, targets)``: that sub-network's term of
      the objective (the largest runs first, :func:`backward_order`);
    * ``subnet_log(subnets, terms, targets)``: the loss dict to log
      (``terms`` detached, in sampling order);
    * ``loss(inputs, data_samples)``: the objective as the paper writes it,
      the sum of the same terms in one graph (for reading and for tests;
      training runs :meth:`train_step`).

    ``train_step`` is the only training path, on one process and under DDP
    (``model_wrapper_cfg=dict(type='slimmm.SubnetDistributedDataParallel')``,
    which calls it with itself as ``ddp``). mmengine's plain DDP wrapper
    would run ``forward(mode='loss')``, i.e. another path with the memory
    of all sub-networks; that mode is refused with the fix.
    """

    def forward(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List] = None, mode: str = 'tensor',
                subnet: Optional[SubNet] = None, targets: Any = None):
        """mmpretrain's modes plus ``mode='subnet_loss'`` (``subnet_loss``
        of ``subnet`` against ``targets``), the entry through which a DDP
        wrapper runs one sub-network."""
        if mode == 'subnet_loss':
            return self.subnet_loss(subnet, inputs, targets)
        if mode == 'loss':
            raise RuntimeError(
                f'{type(self).__name__} trains in train_step, one backward '
                'per sub-network, not through forward(mode="loss") (which '
                "mmengine's MMDistributedDataParallel runs); set "
                "model_wrapper_cfg=dict(type='slimmm."
                "SubnetDistributedDataParallel').")
        return super().forward(inputs, data_samples, mode=mode)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper,
                   ddp: Optional[nn.Module] = None
                   ) -> Dict[str, torch.Tensor]:
        """One iteration: the targets once, then each sampled sub-network's
        forward and backward in turn (:func:`backward_order`); the last
        backward goes through ``optim_wrapper.update_params``, which counts
        the iteration once (gradient accumulation over iterations works as
        for any model) and steps the optimizer.

        Args:
            data: A batch from the dataloader.
            optim_wrapper (OptimWrapper): The Runner's optimizer wrapper.
            ddp (nn.Module, optional): The DDP wrapper around this model
                (:class:`~slimmm.engine.SubnetDistributedDataParallel`).
                Sub-networks then run through its forward, which prepares
                the gradient reduction; all but the last run under its
                ``no_sync()``, so gradients are all-reduced once per
                iteration.

        Returns:
            dict: Logged values (``loss`` and the algorithm's terms).
        """
        runner = self if ddp is None else ddp
        # The sampler seeds from (seed, iteration), so every rank draws the
        # same sub-networks without communicating.
        subnets = self.sample_subnets()
        with optim_wrapper.optim_context(runner):  # autocast under AMP
            views = self.data_preprocessor(data, True)['inputs']
            # Outside the DDP forward: no gradient flows into the targets,
            # and the online parameters a momentum encoder averages are
            # equal on all ranks.
            targets = self.subnet_targets(views, subnets)
        order = backward_order(subnets)
        terms: List[Optional[torch.Tensor]] = [None] * len(subnets)
        for index in order:
            last = index == order[-1]
            no_sync = getattr(runner, 'no_sync', None)
            with nullcontext() if last or no_sync is None else no_sync():
                with optim_wrapper.optim_context(runner):
                    term = runner(views, mode='subnet_loss',
                                  subnet=subnets[index], targets=targets)
                if last:
                    optim_wrapper.update_params(term)
                else:
                    backward_uncounted(optim_wrapper, term)
            terms[index] = term.detach()
        return self.parse_losses(self.subnet_log(subnets, terms, targets))[1]
