"""Synchronised BN for CPU tensors (several processes over gloo).

torch's ``SyncBatchNorm`` synchronises GPU tensors only: its statistics
kernel (``batch_norm_stats``) is CUDA-only and its forward raises for CPU
input. The papers' detection recipes use SyncBN, so that BN statistics
cover the whole multi-GPU batch; :class:`CPUSyncBatchNorm` computes the
same thing for CPU tensors (``tools/dist_train.sh`` on a machine without
GPUs), so that a CPU distributed run normalises as the GPU recipe does,
and the per-width SyncBN of the slimmable detectors can be tested on CPU.

The statistics are reduced with a differentiable all-reduce: its backward
sums the gradients of every rank's statistics, so each rank's input
receives the gradient of the sum of all ranks' losses through the shared
mean and variance, as with torch's SyncBN. Outside a multi-process group,
and in evaluation, the class is plain BN.
"""
from typing import Optional

import torch
import torch.distributed as dist
from torch.nn.modules.batchnorm import _BatchNorm

from slimmm.registry import MODELS


class _SumOverProcesses(torch.autograd.Function):
    """All-reduce (sum) whose backward all-reduces the gradient: every
    rank's loss depends on every rank's contribution."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor, group) -> torch.Tensor:
        ctx.group = group
        tensor = tensor.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM, group=group)
        return tensor

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return _SumOverProcesses.apply(grad, ctx.group), None


def _reduced_sum(tensor: torch.Tensor, group) -> torch.Tensor:
    return _SumOverProcesses.apply(tensor, group)


def sync_batch_norm(x: torch.Tensor, weight: Optional[torch.Tensor],
                    bias: Optional[torch.Tensor],
                    running_mean: Optional[torch.Tensor],
                    running_var: Optional[torch.Tensor], momentum: float,
                    eps: float, group=None) -> torch.Tensor:
    """Batch norm over the batches of every process of ``group``.

    Two reductions (sum and count, then the sum of squared deviations from
    the global mean) rather than one of sums and sums of squares: the
    latter cancels catastrophically in float32 for large means.
    ``running_var`` is updated with the unbiased variance of the global
    batch, as torch's BN does.
    """
    channels = x.shape[1]
    dims = [0] + list(range(2, x.dim()))
    shape = [1, channels] + [1] * (x.dim() - 2)
    count = x.new_full((1, ), x.numel() // channels)
    totals = _reduced_sum(torch.cat([x.sum(dims), count]), group)
    n = totals[-1]
    mean = totals[:channels] / n
    centred = x - mean.view(shape)
    var = _reduced_sum((centred * centred).sum(dims), group) / n
    if running_mean is not None and running_var is not None:
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(mean.detach(),
                                                 alpha=momentum)
            unbiased = var.detach() * (n / (n - 1).clamp(min=1))
            running_var.mul_(1 - momentum).add_(unbiased, alpha=momentum)
    out = centred * torch.rsqrt(var.view(shape) + eps)
    if weight is not None:
        out = out * weight.view(shape)
    if bias is not None:
        out = out + bias.view(shape)
    return out


def needs_cpu_sync(x: torch.Tensor, training: bool, group=None) -> bool:
    """Whether a synchronised BN must reduce ``x``'s statistics itself:
    training, a CPU tensor, and more than one process in the group."""
    return (training and x.device.type == 'cpu' and dist.is_available()
            and dist.is_initialized() and dist.get_world_size(group) > 1)


@MODELS.register_module('CPUSyncBN')
class CPUSyncBatchNorm(_BatchNorm):
    """SyncBN for CPU tensors: BN statistics over the batches of all
    processes (gloo).

    Not a subclass of torch's ``SyncBatchNorm``: DDP refuses CPU modules
    that hold one. One process, or evaluation, is plain BN. The reduction
    itself is device-agnostic, but on GPUs torch's ``SyncBN`` (fused
    kernels) is the one to use. Config: ``norm_cfg=dict(
    type='slimmm.CPUSyncBN')``; slimmm's tools put it in place of
    ``SyncBN`` for several processes without a GPU
    (:func:`slimmm.apis.cpu_dist.fallback_sync_bn_without_gpu`).
    """

    def _check_input_dim(self, x: torch.Tensor) -> None:
        if x.dim() < 2:
            raise ValueError(f'expected at least 2D input (got {x.dim()}D)')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        synchronised = self.training and dist.is_available() and \
            dist.is_initialized() and dist.get_world_size() > 1
        if not synchronised:
            return super().forward(x)
        self._check_input_dim(x)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked)
        return sync_batch_norm(
            x, self.weight, self.bias,
            self.running_mean if self.track_running_stats else None,
            self.running_var if self.track_running_stats else None,
            momentum, self.eps)
