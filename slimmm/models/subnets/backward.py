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
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

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


def backward_each(runner: nn.Module, optim_wrapper: OptimWrapper,
                  items: Sequence[Any],
                  term_of: Callable[[Any], torch.Tensor]
                  ) -> List[torch.Tensor]:
    """The loop every width-trained model shares: ``term_of(item)``
    (forward, under ``optim_wrapper.optim_context``) and its backward for
    each of ``items`` in turn, so that one item's activations are alive at
    a time; one optimizer step at the end.

    All backwards but the last are uncounted (:func:`backward_uncounted`);
    the last goes through ``optim_wrapper.update_params``, which counts the
    iteration once (gradient accumulation over iterations works as for any
    model), clips the summed gradient and steps. mmengine's
    ``OptimWrapper`` has no call for "several backwards, one step": its
    ``update_params`` is backward + step together, and ``backward`` alone
    would count each sub-network as an accumulation step.

    Args:
        runner (nn.Module): The model, or the DDP wrapper around it
            (``slimmm.SubnetDistributedDataParallel``): then all but the
            last backward run under its ``no_sync()``, so gradients are
            all-reduced once per iteration.
        optim_wrapper (OptimWrapper): The Runner's optimizer wrapper.
        items (Sequence): Sub-networks (or widths) in backward order.
        term_of (callable): ``item -> scalar loss`` (the forward; through
            ``runner`` under DDP, which prepares the gradient reduction).

    Returns:
        list[Tensor]: The detached terms, in the order of ``items``.
    """
    no_sync = getattr(runner, 'no_sync', None)
    terms = []
    for index, item in enumerate(items):
        last = index == len(items) - 1
        with nullcontext() if last or no_sync is None else no_sync():
            with optim_wrapper.optim_context(runner):
                term = term_of(item)
            if last:
                optim_wrapper.update_params(term)
            else:
                backward_uncounted(optim_wrapper, term)
        terms.append(term.detach())
    return terms


class SubnetBackwardMixin:
    """How every slimmable self-supervised algorithm trains: the targets
    once, then each sampled sub-network's term and its backward in turn,
    one optimizer step (:func:`backward_each`).

    Mixed into :class:`~slimmm.models.algorithms.BaseSlimmableSelfSupervisor`;
    an algorithm defines its objective as the paper writes it, in three
    methods:

    * ``subnet_targets(views, subnets)``: what every sub-network of the
      iteration is trained against (no gradient: momentum keys or
      projections; updates the momentum encoder);
    * ``subnet_loss(subnet, views, targets)``: that sub-network's term of
      the objective (the largest runs first, :func:`backward_order`, so its
      outputs can be the others' distillation targets);
    * ``subnet_log(subnets, terms, targets)``: the loss dict to log
      (``terms`` detached, in sampling order).

    :meth:`loss` is the objective in one graph (the sum of the same terms;
    for reading and for tests). :meth:`train_step` is the training path, on
    one process and under DDP
    (``model_wrapper_cfg=dict(type='slimmm.SubnetDistributedDataParallel')``
    in ``configs/_base_/default_runtime.py``, which calls it with itself as
    ``ddp``). mmengine's plain DDP wrapper would run
    ``forward(mode='loss')``, i.e. another path with the memory of all
    sub-networks; that mode is refused with the fix.
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

    def loss(self, inputs: List[torch.Tensor], data_samples=None,
             **kwargs) -> Dict[str, torch.Tensor]:
        """The objective over this iteration's sub-networks in one graph:
        the sum of the terms :meth:`train_step` backpropagates one at a
        time.

        Args:
            inputs (List[Tensor]): The views.
            data_samples: Unused.

        Returns:
            dict: ``loss`` terms (summed by ``parse_losses``) and
            logged-only per-sub-network terms.
        """
        subnets = self.sample_subnets()
        targets = self.subnet_targets(inputs, subnets)
        terms: List[Optional[torch.Tensor]] = [None] * len(subnets)
        for index in backward_order(subnets):
            terms[index] = self.subnet_loss(subnets[index], inputs, targets)
        return self.subnet_log(subnets, terms, targets)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper,
                   ddp: Optional[nn.Module] = None
                   ) -> Dict[str, torch.Tensor]:
        """One iteration: the targets once, then each sampled sub-network's
        forward and backward in turn (:func:`backward_order`,
        :func:`backward_each`).

        Args:
            data: A batch from the dataloader.
            optim_wrapper (OptimWrapper): The Runner's optimizer wrapper.
            ddp (nn.Module, optional): The DDP wrapper around this model
                (:class:`~slimmm.engine.SubnetDistributedDataParallel`).

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
        done = backward_each(
            runner, optim_wrapper, order,
            lambda index: runner(views, mode='subnet_loss',
                                 subnet=subnets[index], targets=targets))
        terms: List[Optional[torch.Tensor]] = [None] * len(subnets)
        for index, term in zip(order, done):
            terms[index] = term
        return self.parse_losses(self.subnet_log(subnets, terms, targets))[1]
