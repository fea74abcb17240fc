"""The one place where a width becomes a channel count.

Every slimmable layer describes its channels with a :class:`ChannelSpec`;
nothing else in slimmm multiplies channels by a width.
"""
from dataclasses import dataclass
from typing import Optional

# The MobileNet rule (round to a multiple of the divisor, never below it nor
# below 0.9 of the value): mmpretrain's own, so that exported MobileNets
# match stock ones built with the same widen_factor.
from mmpretrain.models.utils import make_divisible

# Widths such as 0.75 are not exact in binary; without this slack
# int(96 * (80 / 96)) could land on 79.
_FLOAT_SLACK = 1e-6


def scale_channels(channels: int, width: float, divisor: int = 1,
                   min_value: Optional[int] = None) -> int:
    """Channels of a layer with ``channels`` at full width, at ``width``.

    ``divisor == 1`` is the ResNet / ViT rule ``int(c * w)``; ``divisor > 1``
    is the MobileNet rule (make divisible by ``divisor``, never below
    ``min_value``, default ``divisor``; US-Nets / US3L use 1).
    """
    if divisor == 1:
        return max(1, int(channels * width + _FLOAT_SLACK))
    return make_divisible(channels * width, divisor, min_value)


@dataclass(frozen=True)
class ChannelSpec:
    """Channels of one tensor as a function of the width.

    ``at(w) = round(scale_channels(base, w, divisor) * factor)``. The factor
    lets a layer follow another one the way the stock networks do, e.g. a
    ResNet stage has ``int(64 * w) * 4 * 2**i`` output channels and a
    MobileNetV2 hidden layer ``round(in_channels * expand_ratio)``.

    With ``per_layer`` the factor is applied first and the layer's own
    full-width channels are rounded: ``at(w) = make_divisible(base * factor
    * w, divisor, min_value=1)``, the rule of US-Nets and US3L (every
    ``USConv2d`` / ``USBatchNorm2d`` rounds its own ``C * w``). The two
    agree where ``base * w`` is a multiple of the divisor and differ in
    between (ResNet-50's last stage at 0.6: 40 * 32 = 1280 against
    make_divisible(2048 * 0.6) = 1232).

    Args:
        base (int): Channels before scaling.
        divisor (int): 1 for ``int(c * w)``, 8 for MobileNets.
        factor (float): Multiplier applied after scaling.
        fixed (bool): The channels do not follow the width (image input,
            MobileNet's last 1x1 conv, classifier outputs).
        per_layer (bool): Round this layer's own channels (US-Nets) instead
            of scaling the rounded base by the factor.
    """
    base: int
    divisor: int = 1
    factor: float = 1.0
    fixed: bool = False
    per_layer: bool = False

    def at(self, width: float) -> int:
        full = int(round(self.base * self.factor))
        if self.fixed:
            return full
        if self.per_layer:
            return scale_channels(full, width, self.divisor, min_value=1)
        return int(round(scale_channels(self.base, width, self.divisor) *
                         self.factor))

    @property
    def max(self) -> int:
        return self.at(1.0)

    def times(self, factor: float) -> 'ChannelSpec':
        """The spec of a tensor with ``factor`` times these channels."""
        return ChannelSpec(self.base, self.divisor, self.factor * factor,
                           self.fixed, self.per_layer)


def fixed_channels(channels: int) -> ChannelSpec:
    return ChannelSpec(channels, fixed=True)
