"""Slimmable convolution: the active filters are the first ones."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .channels import ChannelSpec
from .slicing import leading_block
from .width import SlimmableMixin


class SlimmableConv2d(SlimmableMixin, nn.Conv2d):
    """A conv whose weight is sliced to ``[:out(w), :in(w)]`` at width ``w``.

    The parameter keeps the full-width shape and the stock name ``weight``,
    so state dicts look like a plain ``nn.Conv2d`` of the full network.

    Args:
        in_spec (ChannelSpec): Input channels as a function of the width.
        out_spec (ChannelSpec): Output channels as a function of the width.
        depthwise (bool): One group per channel at every width (MobileNets);
            then ``in_spec`` must equal ``out_spec``.
        **kwargs: ``kernel_size``, ``stride``, ``padding``, ``dilation``,
            ``bias`` of ``nn.Conv2d``.
    """

    def __init__(self, in_spec: ChannelSpec, out_spec: ChannelSpec,
                 kernel_size, depthwise: bool = False, **kwargs):
        if depthwise and in_spec != out_spec:
            raise ValueError('A depthwise conv needs in_spec == out_spec, '
                             f'got {in_spec} and {out_spec}.')
        groups = in_spec.max if depthwise else 1
        super().__init__(in_spec.max, out_spec.max, kernel_size,
                         groups=groups, **kwargs)
        self.in_spec, self.out_spec, self.depthwise = in_spec, out_spec, \
            depthwise

    def active_channels(self, width: float):
        return self.in_spec.at(width), self.out_spec.at(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        in_ch, out_ch = self.active_channels(self.width)
        if in_ch == self.in_channels and out_ch == self.out_channels:
            return super().forward(x)
        groups = in_ch if self.depthwise else 1
        weight = leading_block(self.weight, (out_ch, in_ch // groups))
        bias = (leading_block(self.bias, (out_ch, ))
                if self.bias is not None else None)
        return F.conv2d(x, weight, bias, self.stride, self.padding,
                        self.dilation, groups)

    def to_static(self, width: float) -> nn.Conv2d:
        in_ch, out_ch = self.active_channels(width)
        groups = in_ch if self.depthwise else 1
        conv = nn.Conv2d(in_ch, out_ch, self.kernel_size, self.stride,
                         self.padding, self.dilation, groups,
                         self.bias is not None)
        conv = conv.to(self.weight.device, self.weight.dtype)
        with torch.no_grad():
            conv.weight.copy_(self.weight[:out_ch, :in_ch // groups])
            if self.bias is not None:
                conv.bias.copy_(self.bias[:out_ch])
        conv.weight.requires_grad_(self.weight.requires_grad)
        return conv

    def extra_repr(self) -> str:
        return super().extra_repr() + f', width={self.width}'


class SlimmableConvTranspose2d(SlimmableMixin, nn.ConvTranspose2d):
    """A transposed conv sliced to ``[:in(w), :out(w)]`` at width ``w`` (its
    weight is ``(in, out, kh, kw)``); stock parameter names.

    Args:
        in_spec (ChannelSpec): Input channels as a function of the width.
        out_spec (ChannelSpec): Output channels as a function of the width.
        **kwargs: ``kernel_size``, ``stride``, ``padding``, ``bias`` of
            ``nn.ConvTranspose2d`` (no groups, no output padding).
    """

    def __init__(self, in_spec: ChannelSpec, out_spec: ChannelSpec,
                 kernel_size, **kwargs):
        super().__init__(in_spec.max, out_spec.max, kernel_size, **kwargs)
        self.in_spec, self.out_spec = in_spec, out_spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        in_ch, out_ch = self.in_spec.at(self.width), self.out_spec.at(
            self.width)
        bias = (leading_block(self.bias, (out_ch, ))
                if self.bias is not None else None)
        return F.conv_transpose2d(
            x, leading_block(self.weight, (in_ch, out_ch)), bias,
            self.stride, self.padding, self.output_padding, 1,
            self.dilation)

    def to_static(self, width: float) -> nn.ConvTranspose2d:
        in_ch, out_ch = self.in_spec.at(width), self.out_spec.at(width)
        conv = nn.ConvTranspose2d(
            in_ch, out_ch, self.kernel_size, self.stride, self.padding,
            self.output_padding, 1, self.bias is not None, self.dilation)
        conv = conv.to(self.weight.device, self.weight.dtype)
        with torch.no_grad():
            conv.weight.copy_(self.weight[:in_ch, :out_ch])
            if self.bias is not None:
                conv.bias.copy_(self.bias[:out_ch])
        return conv
