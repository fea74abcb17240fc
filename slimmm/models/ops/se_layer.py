"""Slimmable squeeze-and-excitation (MobileNetV3).

The squeeze width follows the block width: at width ``w`` a block with
``c(w)`` hidden channels squeezes to ``make_divisible(c(w) // ratio, 8)``,
the rule of a plain MobileNetV3 built with those channels. Child names
(``conv1.conv``, ``conv2.conv``) equal mmpretrain's ``SELayer`` so the
network at full width loads into the stock MobileNetV3.
"""
from dataclasses import dataclass
from typing import Dict, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer

from .channels import ChannelSpec, make_divisible
from .conv import SlimmableConv2d

HSIGMOID = dict(type='HSigmoid', bias=3.0, divisor=6.0, min_value=0.0,
                max_value=1.0)


@dataclass(frozen=True)
class SqueezeChannelSpec(ChannelSpec):
    """Channels of an SE squeeze: ``make_divisible(c(w) // ratio, divisor)``
    where ``c(w)`` is the excited tensor's channels (the inherited fields).

    Args:
        ratio (int): Squeeze ratio (4 in MobileNetV3).
        squeeze_divisor (int): The squeeze channels are a multiple of it.
    """
    ratio: int = 4
    squeeze_divisor: int = 8

    @classmethod
    def of(cls, spec: ChannelSpec, ratio: int = 4,
           divisor: int = 8) -> 'SqueezeChannelSpec':
        return cls(spec.base, spec.divisor, spec.factor, spec.fixed,
                   spec.per_layer, ratio=ratio, squeeze_divisor=divisor)

    def at(self, width: float) -> int:
        # The rounding of the excited tensor happens first, as in a plain
        # network whose SE sees already-rounded channels.
        return make_divisible(super().at(width) // self.ratio,
                              self.squeeze_divisor)


class _ConvAct(nn.Module):
    """1x1 slimmable conv with bias and an activation (no norm), named like
    mmcv's ``ConvModule`` without norm."""

    def __init__(self, in_spec: ChannelSpec, out_spec: ChannelSpec,
                 act_cfg: Dict):
        super().__init__()
        self.conv = SlimmableConv2d(in_spec, out_spec, 1, bias=True)
        self.activate = build_activation_layer(act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activate(self.conv(x))


class SlimmableSELayer(nn.Module):
    """Squeeze-and-excitation whose both 1x1 convs follow the width.

    Args:
        spec (ChannelSpec): Channels of the excited tensor.
        ratio (int): Squeeze ratio.
        divisor (int): Squeeze channels are a multiple of it.
        act_cfg (Sequence[dict]): Activations after the squeeze and the
            excitation convs (ReLU, hard sigmoid in MobileNetV3).
    """

    def __init__(self, spec: ChannelSpec, ratio: int = 4, divisor: int = 8,
                 act_cfg: Sequence[Dict] = (dict(type='ReLU'), HSIGMOID)):
        super().__init__()
        if len(act_cfg) != 2:
            raise ValueError(f'act_cfg needs two activation configs (squeeze,'
                             f' excitation), got {act_cfg}.')
        squeeze = SqueezeChannelSpec.of(spec, ratio, divisor)
        self.global_avgpool = nn.AdaptiveAvgPool2d(1)
        self.conv1 = _ConvAct(spec, squeeze, act_cfg[0])
        self.conv2 = _ConvAct(squeeze, spec, act_cfg[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.conv2(self.conv1(self.global_avgpool(x)))
