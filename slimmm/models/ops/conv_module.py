"""conv + norm + activation, named like mmcv's ``ConvModule``.

The child names (``conv``, ``bn``, ``activate``) match mmcv's so that a
network built from these exports to the stock mmpretrain network's keys.
"""
from typing import Callable, Dict, Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer

from .channels import ChannelSpec
from .conv import SlimmableConv2d


class SlimmableConvModule(nn.Module):
    """Slimmable conv followed by a slimmable norm and an activation.

    Args:
        in_spec, out_spec (ChannelSpec): Channels as functions of the width.
        kernel_size (int): Conv kernel size; padding keeps the size.
        norm (Callable): ``norm(spec) -> nn.Module`` (the backbone's norm
            builder, switchable or sliced).
        act_cfg (dict, optional): mmcv activation config; None for none.
        stride (int): Conv stride.
        depthwise (bool): One group per channel.
    """

    def __init__(self, in_spec: ChannelSpec, out_spec: ChannelSpec,
                 kernel_size: int, norm: Callable[[ChannelSpec], nn.Module],
                 act_cfg: Optional[Dict] = dict(type='ReLU'), stride: int = 1,
                 depthwise: bool = False):
        super().__init__()
        self.conv = SlimmableConv2d(
            in_spec, out_spec, kernel_size, stride=stride,
            padding=kernel_size // 2, depthwise=depthwise, bias=False)
        self.bn = norm(out_spec)
        if act_cfg is not None:
            self.activate = build_activation_layer(act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn(self.conv(x))
        if hasattr(self, 'activate'):
            x = self.activate(x)
        return x
