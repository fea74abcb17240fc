"""Normalization layers of slimmable networks.

* :class:`SwitchableBatchNorm2d`: one private BN per width (Slimmable
  Networks). Its members are real ``nn.BatchNorm2d`` / ``nn.SyncBatchNorm``
  modules, so mmengine's ``revert_sync_batchnorm`` and torch's
  ``convert_sync_batchnorm`` convert them one by one and the switching
  survives both.
* :class:`SlicedBatchNorm2d`: one shared BN sliced to the active channels
  (US-Nets); statistics are recalibrated per width (``calibrate_bn``). It is
  deliberately *not* a ``_BatchNorm`` subclass: ``convert_sync_batchnorm``
  would otherwise swap it for a full-size SyncBN and lose the slicing. It
  synchronises itself when built with ``norm_cfg=dict(type='SyncBN')``
  (torch's kernel on GPUs, :func:`~.sync_norm.sync_batch_norm` on CPU).
* :class:`SlicedLayerNorm`: LayerNorm over the active embedding (ViT).
* :class:`SlicedGroupNorm`: GroupNorm over the active channels, the
  channels per group kept (FCOS's head with a slimmed width).
"""
import copy
from typing import Dict, Sequence

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch.nn.modules._functions import SyncBatchNorm as _SyncBatchNormFn

from .channels import ChannelSpec
from .slicing import leading_block
from .sync_norm import needs_cpu_sync, sync_batch_norm
from .width import SlimmableMixin, width_key

#: Norm types that synchronise through torch's (CUDA-only) SyncBN kernels.
TORCH_SYNC_BN_TYPES = ('SyncBN', 'MMSyncBN', 'TorchSyncBN')
#: Every synchronised type, slimmm's CPU one included.
SYNC_BN_TYPES = TORCH_SYNC_BN_TYPES + ('CPUSyncBN', 'slimmm.CPUSyncBN')


def _plain_norm(norm_cfg: Dict, channels: int) -> nn.Module:
    return build_norm_layer(norm_cfg, channels)[1]


class SwitchableBatchNorm2d(SlimmableMixin, nn.Module):
    """One BN per width, picked by the current width.

    Args:
        spec (ChannelSpec): Channels as a function of the width.
        widths (Sequence[float]): The widths (one BN each).
        norm_cfg (dict): Config of each member BN (``BN``, ``SyncBN``,
            ``requires_grad``, ``momentum``, ``eps``).
    """

    def __init__(self, spec: ChannelSpec, widths: Sequence[float],
                 norm_cfg: Dict):
        super().__init__()
        self.spec = spec
        self.norms = nn.ModuleDict({
            width_key(w): _plain_norm(norm_cfg, spec.at(w))
            for w in widths
        })

    def member(self, width: float) -> nn.Module:
        key = width_key(width)
        if key not in self.norms:
            raise ValueError(
                f'This switchable BN has members for widths '
                f'{list(self.norms.keys())}, not for width {width}.')
        return self.norms[key]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.member(self.width)(x)

    def to_static(self, width: float) -> nn.Module:
        return copy.deepcopy(self.member(width))


class SlicedBatchNorm2d(SlimmableMixin, nn.Module):
    """A BN whose parameters and statistics are sliced to the active
    channels (universally slimmable networks).

    State-dict keys are those of ``nn.BatchNorm2d`` (``weight``, ``bias``,
    ``running_mean``, ``running_var``, ``num_batches_tracked``).

    Args:
        spec (ChannelSpec): Channels as a function of the width.
        norm_cfg (dict): ``type`` (``BN`` or ``SyncBN``), ``eps``,
            ``momentum``, ``requires_grad``.
    """

    def __init__(self, spec: ChannelSpec, norm_cfg: Dict):
        super().__init__()
        cfg = dict(norm_cfg)
        norm_type = cfg.pop('type', 'BN')
        if norm_type not in ('BN', 'BN1d', 'BN2d') + SYNC_BN_TYPES:
            raise ValueError(
                f'Universally slimmable networks support norm_cfg type BN or '
                f'SyncBN (BN1d in projector MLPs), got {norm_type!r}.')
        self.norm_cfg = dict(norm_cfg)
        self.sync = norm_type in SYNC_BN_TYPES
        self.spec = spec
        self.eps = cfg.get('eps', 1e-5)
        self.momentum = cfg.get('momentum', 0.1)
        channels = spec.max
        requires_grad = cfg.get('requires_grad', True)
        self.weight = nn.Parameter(torch.ones(channels),
                                   requires_grad=requires_grad)
        self.bias = nn.Parameter(torch.zeros(channels),
                                 requires_grad=requires_grad)
        self.register_buffer('running_mean', torch.zeros(channels))
        self.register_buffer('running_var', torch.ones(channels))
        self.register_buffer('num_batches_tracked',
                             torch.tensor(0, dtype=torch.long))

    def _momentum(self) -> float:
        if not self.training:
            return 0.0
        self.num_batches_tracked.add_(1)
        if self.momentum is None:  # cumulative average (BN calibration)
            return 1.0 / float(self.num_batches_tracked)
        return self.momentum

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = self.spec.at(self.width)
        weight = leading_block(self.weight, (channels, ))
        bias = leading_block(self.bias, (channels, ))
        mean, var = self.running_mean[:channels], self.running_var[:channels]
        momentum = self._momentum()
        if self.sync and needs_cpu_sync(x, self.training):
            return sync_batch_norm(x, weight, bias, mean, var, momentum,
                                   self.eps)
        if (self.training and self.sync and dist.is_available()
                and dist.is_initialized() and dist.get_world_size() > 1):
            return _SyncBatchNormFn.apply(x, weight, bias, mean, var, self.eps,
                                          momentum, dist.group.WORLD,
                                          dist.get_world_size())
        return F.batch_norm(x, mean, var, weight, bias, self.training,
                            momentum, self.eps)

    def reset_running_stats(self) -> None:
        self.running_mean.zero_()
        self.running_var.fill_(1)
        self.num_batches_tracked.zero_()

    def to_static(self, width: float) -> nn.Module:
        channels = self.spec.at(width)
        bn = _plain_norm(self.norm_cfg, channels).to(self.weight.device)
        with torch.no_grad():
            for name in ('weight', 'bias', 'running_mean', 'running_var'):
                getattr(bn, name).copy_(getattr(self, name)[:channels])
            bn.num_batches_tracked.copy_(self.num_batches_tracked)
        # A static copy of an eval-mode network must stay in eval mode.
        bn.train(self.training)
        return bn

    def extra_repr(self) -> str:
        return f'{self.spec.max}, sync={self.sync}, width={self.width}'


class SlicedLayerNorm(SlimmableMixin, nn.LayerNorm):
    """LayerNorm over the first ``spec.at(width)`` features."""

    def __init__(self, spec: ChannelSpec, eps: float = 1e-6):
        super().__init__(spec.max, eps=eps)
        self.spec = spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = self.spec.at(self.width)
        return F.layer_norm(x, (channels, ),
                            leading_block(self.weight, (channels, )),
                            leading_block(self.bias, (channels, )),
                            self.eps)

    def to_static(self, width: float) -> nn.LayerNorm:
        channels = self.spec.at(width)
        norm = nn.LayerNorm(channels, eps=self.eps).to(self.weight.device)
        with torch.no_grad():
            norm.weight.copy_(self.weight[:channels])
            norm.bias.copy_(self.bias[:channels])
        return norm


class SlicedGroupNorm(SlimmableMixin, nn.GroupNorm):
    """GroupNorm over the first ``spec.at(width)`` channels with as many
    channels per group as at full width (so the groups are the full-width
    network's first groups).

    Args:
        spec (ChannelSpec): Channels as a function of the width; every
            width's count must be a multiple of the channels per group.
        num_groups (int): Groups at full width.
        eps (float): As ``nn.GroupNorm``.
        affine (bool): As ``nn.GroupNorm``.
    """

    def __init__(self, spec: ChannelSpec, num_groups: int,
                 eps: float = 1e-5, affine: bool = True):
        super().__init__(num_groups, spec.max, eps=eps, affine=affine)
        self.spec = spec
        self.group_channels = spec.max // num_groups

    def groups_at(self, width: float) -> int:
        channels = self.spec.at(width)
        if channels % self.group_channels:
            raise ValueError(
                f'GroupNorm with {self.group_channels} channels per group '
                f'cannot normalise {channels} channels (width {width}): pick '
                'head channels whose widths are multiples of it.')
        return channels // self.group_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = self.spec.at(self.width)
        weight = bias = None
        if self.affine:
            weight = leading_block(self.weight, (channels, ))
            bias = leading_block(self.bias, (channels, ))
        return F.group_norm(x, self.groups_at(self.width), weight, bias,
                            self.eps)

    def to_static(self, width: float) -> nn.GroupNorm:
        channels = self.spec.at(width)
        norm = nn.GroupNorm(self.groups_at(width), channels, self.eps,
                            self.affine).to(self.weight.device)
        if self.affine:
            with torch.no_grad():
                norm.weight.copy_(self.weight[:channels])
                norm.bias.copy_(self.bias[:channels])
        return norm


BATCH_NORM_TYPES = (nn.modules.batchnorm._BatchNorm, SlicedBatchNorm2d)


def build_slimmable_bn(norm_cfg: Dict, spec: ChannelSpec, width_space):
    """Switchable BN for a list of widths, sliced BN for a universal range."""
    if width_space.universal:
        return SlicedBatchNorm2d(spec, norm_cfg)
    return SwitchableBatchNorm2d(spec, width_space.widths, norm_cfg)
