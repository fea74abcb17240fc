"""Slimmable projection / prediction MLPs of the SSL algorithms.

The first layer's input follows the backbone's output channels at the
current width (SlimCLR section 3.1: ``g_theta_wi`` is "a stack of slimmable
linear transformation layers"). Hidden layers are either fixed (MoCov2's
2-layer head) or slimmed with the width too, with one BN per width
(SlimCLR-MoCov3's slimmable projector and predictor).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from ...registry import MODELS
from ..ops import (ChannelSpec, SlicedBatchNorm2d, SlimmableLinear,
                   SwitchableBatchNorm2d, WidthSpace, build_width_space,
                   fixed_channels)

SpecLike = Union[int, ChannelSpec]


def _spec(value: SpecLike, slim: bool) -> ChannelSpec:
    if isinstance(value, ChannelSpec):
        return value
    if not isinstance(value, int):
        raise TypeError(f'Expected channels as int or ChannelSpec, got '
                        f'{value!r}.')
    return ChannelSpec(value) if slim else fixed_channels(value)


def _norm1d(spec: ChannelSpec, space: WidthSpace, affine: bool) -> nn.Module:
    # BN1d members (switchable) or one sliced BN (universal); F.batch_norm in
    # SlicedBatchNorm2d accepts (N, C) input as well, and type BN1d makes its
    # static export a BatchNorm1d.
    if space.universal:
        norm = SlicedBatchNorm2d(spec, dict(type='BN1d'))
        if not affine:
            norm.weight.requires_grad_(False)
            norm.bias.requires_grad_(False)
        return norm
    return SwitchableBatchNorm2d(spec, space.widths,
                                 dict(type='BN1d', affine=affine))


@MODELS.register_module()
class SlimmableMLPNeck(BaseModule):
    """``[Linear -> (BN) -> ReLU] x (num_layers - 1) -> Linear -> (BN)``
    whose input follows the backbone width.

    Args:
        in_channels (int | ChannelSpec, optional): Input features: an int
            is fixed at every width (a predictor's input, a static
            backbone), a ChannelSpec follows the width. ``None`` lets the
            algorithm fill in the backbone's output spec (the usual case).
        hid_channels (int): Hidden features at full width.
        out_channels (int): Output features (fixed at every width).
        num_layers (int): Linear layers (>= 1).
        slim_hidden (bool): Slim hidden layers with the width (MoCov3 style).
            False keeps them fixed (MoCov2 head).
        with_bn (bool): BN (one per width) after hidden linears.
        with_last_bn (bool): BN after the last linear.
        with_last_bn_affine (bool): Learn the last BN's scale and shift.
        with_bias (bool): Bias in hidden linears.
        with_last_bias (bool): Bias in the last linear.
        with_avg_pool (bool): Global-average-pool a 4D backbone output.
        widths / width_range (optional): Width space for the per-width BNs;
            the algorithm fills in the backbone's.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: Optional[SpecLike] = None,
                 hid_channels: int = 2048,
                 out_channels: int = 128,
                 num_layers: int = 2,
                 slim_hidden: bool = False,
                 with_bn: bool = False,
                 with_last_bn: bool = False,
                 with_last_bn_affine: bool = True,
                 with_bias: bool = True,
                 with_last_bias: bool = True,
                 with_avg_pool: bool = True,
                 widths: Optional[Sequence[float]] = None,
                 width_range: Optional[Sequence[float]] = None,
                 init_cfg: Optional[Dict] = dict(
                     type='Normal', std=0.01, layer='Linear')):
        super().__init__(init_cfg)
        if in_channels is None:
            raise ValueError(
                'SlimmableMLPNeck needs in_channels: leave it None in the '
                'config only inside a slimmm self-supervised algorithm, which '
                'fills in the backbone output spec.')
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}.')
        if widths is None and width_range is None:
            widths = [1.0]
        self.width_space = build_width_space(widths, width_range)
        self.with_avg_pool = with_avg_pool
        in_spec = _spec(in_channels, slim=False)
        hid_spec = _spec(hid_channels, slim=slim_hidden)
        out_spec = fixed_channels(out_channels)
        layers: List[nn.Module] = []
        spec = in_spec
        for index in range(num_layers):
            last = index == num_layers - 1
            target = out_spec if last else hid_spec
            layers.append(SlimmableLinear(
                spec, target, bias=with_last_bias if last else with_bias))
            if (with_last_bn if last else with_bn):
                layers.append(_norm1d(
                    target, self.width_space,
                    affine=with_last_bn_affine if last else True))
            if not last:
                layers.append(nn.ReLU(inplace=True))
            spec = target
        self.mlp = nn.Sequential(*layers)

    def forward(self, inputs: Tuple[torch.Tensor, ...]
                ) -> Tuple[torch.Tensor]:
        """Project the last backbone output; returns a 1-tuple like
        mmpretrain's necks."""
        x = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        if self.with_avg_pool and x.dim() == 4:
            x = x.mean(dim=(2, 3))
        return (self.mlp(x.flatten(1)), )


@MODELS.register_module()
class SlimmableMoCoV2Neck(SlimmableMLPNeck):
    """MoCov2's 2-layer projection head (``in -> 2048 -> ReLU -> 128``)
    with a slimmable input (SlimCLR-MoCov2).

    Initialised like MoCo v2's head (PyTorch's default ``nn.Linear`` init,
    as the official code and mmpretrain's ``MoCoV2Neck``), not with the
    ``Normal(std=0.01)`` of the other heads: with no BN in this head, small
    weights pass the large common mean of the post-ReLU backbone features
    straight through, every image projects to almost the same direction
    (mean cosine 0.98 between images on the tiny data) and InfoNCE sits at
    its chance level log(1 + K) for the whole tiny run.
    """

    def __init__(self, in_channels: Optional[SpecLike] = None,
                 hid_channels: int = 2048, out_channels: int = 128,
                 **kwargs):
        kwargs.setdefault('num_layers', 2)
        kwargs.setdefault('init_cfg', None)
        super().__init__(in_channels, hid_channels, out_channels,
                         slim_hidden=False, **kwargs)


__all__ = ['SlimmableMLPNeck', 'SlimmableMoCoV2Neck']
