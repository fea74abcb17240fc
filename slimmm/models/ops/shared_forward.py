"""A computation shared by the sub-networks of one iteration.

When several widths start with the same computation on the same input (a
ResNet stem before its per-width parts), it can run once and every width
reads its result. With one backward over all the widths' losses that is
plain autograd. With one backward *per* sub-network
(:class:`~slimmm.models.algorithms.subnet_backward.SubnetBackwardMixin`)
the shared graph must outlive the first backward and be traversed once:
the first ``uses - 1`` readers get detached leaves, on which their
backward passes accumulate the gradient, and the last reader gets the
graph itself behind an identity whose backward adds that accumulated
gradient. The shared part is then backpropagated once, inside the last
sub-network's backward, which under DDP is the synchronised one, so its
parameters' gradients are all-reduced with the rest.
"""
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

Outputs = Tuple[torch.Tensor, ...]


class _AddAccumulatedGrad(torch.autograd.Function):
    """Identity; its backward adds ``leaf.grad`` (what the earlier backward
    passes left on the leaf that stood in for this tensor)."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor, leaf: List[torch.Tensor]):
        ctx.leaf = leaf[0]
        return tensor.view_as(tensor)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        earlier = ctx.leaf.grad
        return (grad if earlier is None else grad + earlier), None


class SharedEntry:
    """One input's shared outputs and how often they have been read."""

    def __init__(self, key: Any, outputs: Outputs, extras: Any,
                 uses: Optional[int]):
        self.key = key
        self.outputs = outputs
        self.extras = extras
        self.uses = uses
        self.reads = 0
        self.leaves: Optional[Outputs] = None
        if uses is not None:
            self.leaves = tuple(
                out.detach().requires_grad_(out.requires_grad)
                for out in outputs)

    def read(self) -> Outputs:
        self.reads += 1
        if self.uses is None:
            return self.outputs
        if self.reads > self.uses:
            raise RuntimeError(
                f'A shared stem output was read {self.reads} times, more '
                f'than the {self.uses} uses it was opened for: give '
                '`uses` = the number of sub-networks that read each input.')
        if self.reads < self.uses:
            return self.leaves
        return tuple(
            _AddAccumulatedGrad.apply(out, [leaf]) if out.requires_grad
            else out for out, leaf in zip(self.outputs, self.leaves))


class SharedForwardCache:
    """Shared outputs keyed by input tensor (by identity: holding the input
    keeps its ``id`` unique).

    Args:
        uses (int, optional): None: every reader gets the one graph (one
            backward over all readers). An int: how many readers each input
            has, each of them backpropagated separately and in reading
            order; the last one carries the shared graph's backward.
    """

    def __init__(self, uses: Optional[int] = None):
        if uses is not None and uses < 1:
            raise ValueError(f'uses must be >= 1 or None, got {uses}.')
        self.uses = uses
        self.entries: Dict[int, SharedEntry] = {}

    def read(self, key: torch.Tensor,
             compute: Callable[[], Tuple[Outputs, Any]]
             ) -> Tuple[Outputs, Any]:
        """``compute()`` (outputs, extras) on the first read of ``key``;
        the outputs for this reader (see the class docs) and the extras."""
        entry = self.entries.get(id(key))
        if entry is None or entry.key is not key:
            outputs, extras = compute()
            entry = SharedEntry(key, outputs, extras, self.uses)
            self.entries[id(key)] = entry
        return entry.read(), entry.extras

    def check_complete(self) -> None:
        """Raise if an input had fewer readers than ``uses``: the gradient
        its earlier readers left on the leaves would never reach the shared
        parameters."""
        if self.uses is None:
            return
        short = [e.reads for e in self.entries.values() if e.reads < self.uses]
        if short:
            raise RuntimeError(
                f'A shared stem output was read {short[0]} of the {self.uses} '
                'times it was opened for, so the gradients of its earlier '
                'readers never reached the stem. Every sub-network of the '
                'block must run on every input once (or give the right '
                '`uses`).')
