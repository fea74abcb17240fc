"""Slimmable fully connected layer."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .channels import ChannelSpec
from .slicing import leading_block
from .width import SlimmableMixin


class SlimmableLinear(SlimmableMixin, nn.Linear):
    """A linear layer sliced to ``[:out(w), :in(w)]`` at width ``w``.

    Args:
        in_spec (ChannelSpec): Input features as a function of the width.
        out_spec (ChannelSpec): Output features (fixed for a classifier).
        bias (bool): Whether to learn a bias.
    """

    def __init__(self, in_spec: ChannelSpec, out_spec: ChannelSpec,
                 bias: bool = True):
        super().__init__(in_spec.max, out_spec.max, bias=bias)
        self.in_spec, self.out_spec = in_spec, out_spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        in_f, out_f = self.in_spec.at(self.width), self.out_spec.at(self.width)
        if in_f == self.in_features and out_f == self.out_features:
            return super().forward(x)
        bias = (leading_block(self.bias, (out_f, ))
                if self.bias is not None else None)
        return F.linear(x, leading_block(self.weight, (out_f, in_f)), bias)

    def to_static(self, width: float) -> nn.Linear:
        in_f, out_f = self.in_spec.at(width), self.out_spec.at(width)
        linear = nn.Linear(in_f, out_f, self.bias is not None).to(
            self.weight.device, self.weight.dtype)
        with torch.no_grad():
            linear.weight.copy_(self.weight[:out_f, :in_f])
            if self.bias is not None:
                linear.bias.copy_(self.bias[:out_f])
        return linear
