"""Slimmable MobileNetV2 (US3L's MBv2 backbone).

Module names and channel arithmetic equal mmpretrain's ``MobileNetV2``: at
width ``w`` the stem and every stage have ``make_divisible(c * w, 8)``
channels, a block's hidden layer ``round(in(w) * t)`` (``t`` the expand
ratio, applied to the already rounded input), and the last 1x1 conv keeps
1280 channels. A network cut at ``w`` therefore loads with ``strict=True``
into ``mmpretrain.models.MobileNetV2(widen_factor=w)`` and computes the
same function.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from ...registry import MODELS
from ..ops import (ChannelSpec, SlimmableConvModule, SlimmableMixin,
                   convert_to_static, fixed_channels)
from .base import BaseSlimmableBackbone, freeze


class WidthDependentResidual(SlimmableMixin, nn.Module):
    """A block with a shortcut where input and output shapes agree.

    A plain MobileNet adds the shortcut when ``stride == 1`` and the input
    and output channels are equal *at its width*. Rounding to multiples of 8
    can make them equal only at some widths (MobileNetV2's ``layer1`` at
    width 0.25: 32 -> 8 and 16 -> 8 channels), so the rule is evaluated per
    width; a static block keeps the answer of its width.
    """

    residual_rules = ('per-width', 'full-width')

    def _setup_residual(self, in_spec: ChannelSpec, out_spec: ChannelSpec,
                        stride: int, rule: str = 'per-width') -> None:
        if rule not in self.residual_rules:
            raise ValueError(f'residual_rule must be one of '
                             f'{self.residual_rules}, got {rule!r}.')
        self.in_spec, self.out_spec, self.stride = in_spec, out_spec, stride
        self.residual_rule = rule
        self.static_residual: Optional[bool] = None

    def residual_at(self, width: float) -> bool:
        if self.static_residual is not None:
            return self.static_residual
        if self.residual_rule == 'full-width':
            width = 1.0
        return (self.stride == 1
                and self.in_spec.at(width) == self.out_spec.at(width))

    def body(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        return x + out if self.residual_at(self.width) else out

    def to_static(self, width: float) -> nn.Module:
        for name, child in list(self.named_children()):
            setattr(self, name, convert_to_static(child, width))
        self.static_residual = self.residual_at(width)
        self.width = float(width)
        return self


class SlimmableInvertedResidualV2(WidthDependentResidual):
    """MobileNetV2 block: [1x1 expand] -> 3x3 depthwise -> 1x1 linear,
    all inside ``self.conv`` (an ``nn.Sequential`` as in mmpretrain).

    Args:
        in_spec, out_spec (ChannelSpec): Input / output channels.
        stride (int): Depthwise stride.
        expand_ratio (int): Hidden channels = ``round(in(w) * ratio)``.
        norm (Callable): The backbone's norm builder.
        act_cfg (dict): Activation config.
        residual_rule (str): See :class:`SlimmableMobileNetV2`.
    """

    def __init__(self, in_spec: ChannelSpec, out_spec: ChannelSpec,
                 stride: int, expand_ratio: int, norm, act_cfg: Dict,
                 residual_rule: str = 'per-width'):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f'stride must be 1 or 2, got {stride}.')
        self._setup_residual(in_spec, out_spec, stride, residual_rule)
        hidden = in_spec.times(expand_ratio)
        layers = []
        if expand_ratio != 1:
            layers.append(SlimmableConvModule(in_spec, hidden, 1, norm,
                                              act_cfg))
        layers += [
            SlimmableConvModule(hidden, hidden, 3, norm, act_cfg,
                                stride=stride, depthwise=True),
            SlimmableConvModule(hidden, out_spec, 1, norm, act_cfg=None)
        ]
        self.conv = nn.Sequential(*layers)

    def body(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


@MODELS.register_module()
class SlimmableMobileNetV2(BaseSlimmableBackbone):
    """Slimmable MobileNetV2.

    Args:
        out_indices (Sequence[int]): Outputs of ``layer1``..``layer7`` (0-6)
            and ``conv2`` (7), as in mmpretrain.
        frozen_stages (int): Freeze the stem and ``layer1..frozen_stages``;
            -1 for none.
        act_cfg (dict): Activation config.
        residual_rule (str): When a block adds its shortcut. ``'per-width'``
            (default): where input and output channels are equal at the
            running width, as mmpretrain's ``MobileNetV2(widen_factor=w)``,
            so every width exports to the stock network. ``'full-width'``:
            where they are equal at full width, as US3L's
            ``us_mobilenet_v2`` (its blocks fix the shortcut when built);
            the two differ only in ``layer1`` at widths up to 0.277, where
            32 and 16 channels both round to 8.
        **kwargs: ``widths`` / ``width_range`` / ``width`` / ``norm_cfg`` /
            ``norm_eval`` / ``init_cfg`` of :class:`BaseSlimmableBackbone`.

    Example:
        >>> import torch
        >>> from slimmm.models import SlimmableMobileNetV2
        >>> net = SlimmableMobileNetV2(widths=[1.0, 0.5], out_indices=(2, 7))
        >>> net.set_width(0.5)
        >>> [tuple(f.shape) for f in net(torch.rand(2, 3, 32, 32))]
        [(2, 16, 4, 4), (2, 1280, 1, 1)]
    """

    # expand ratio, channels, blocks, stride of layer1..layer7
    arch_settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2],
                     [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                     [6, 320, 1, 1]]
    stem_channels = 32
    stem_stride = 2
    last_channels = 1280
    divisor = 8

    def __init__(self,
                 out_indices: Sequence[int] = (7, ),
                 frozen_stages: int = -1,
                 act_cfg: Dict = dict(type='ReLU6'),
                 residual_rule: str = 'per-width',
                 **kwargs):
        super().__init__(**kwargs)
        self.residual_rule = residual_rule
        num_outputs = len(self.arch_settings) + 1
        self.check_stage_indices(out_indices, frozen_stages, num_outputs)
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.act_cfg = act_cfg

        in_spec = ChannelSpec(self.stem_channels, self.divisor)
        self.conv1 = SlimmableConvModule(
            fixed_channels(3), in_spec, 3, self.norm, act_cfg,
            stride=self.stem_stride)
        self.layers: List[str] = []
        self.output_specs: List[ChannelSpec] = []
        for i, (ratio, channels, num_blocks, stride) in enumerate(
                self.arch_settings):
            out_spec = ChannelSpec(channels, self.divisor)
            blocks = []
            for j in range(num_blocks):
                blocks.append(
                    SlimmableInvertedResidualV2(in_spec, out_spec,
                                                stride if j == 0 else 1,
                                                ratio, self.norm, act_cfg,
                                                residual_rule))
                in_spec = out_spec
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
            self.layers.append(f'layer{i + 1}')
            self.output_specs.append(out_spec)
        # mmpretrain keeps the last conv at 1280 for every width <= 1.
        last = fixed_channels(self.last_channels)
        self.conv2 = SlimmableConvModule(in_spec, last, 1, self.norm, act_cfg)
        self.layers.append('conv2')
        self.output_specs.append(last)
        self._finish_build()

    def feature_channels(self, width: Optional[float] = None) -> List[int]:
        """Channels of each output in ``out_indices`` at ``width``."""
        width = self.check_width(
            width if width is not None else (self.fixed_width or 1.0))
        return [self.output_specs[i].at(width) for i in self.out_indices]

    def plain_config(self, width: float) -> Optional[Dict]:
        """The stock mmpretrain config whose network equals this one at
        ``width`` (keys and function); None where a shortcut differs from
        the stock network's (``residual_rule='full-width'``)."""
        width = self.width_space.check(width)
        if type(self).arch_settings is not SlimmableMobileNetV2.arch_settings \
                or self.stem_stride != SlimmableMobileNetV2.stem_stride:
            return None  # mmpretrain's MobileNetV2 has ImageNet strides only
        blocks = [block for name in self.layers[:-1]
                  for block in getattr(self, name)]
        if any(block.residual_at(width) != (
                block.stride == 1
                and block.in_spec.at(width) == block.out_spec.at(width))
               for block in blocks):
            return None
        return dict(type='MobileNetV2', widen_factor=float(width),
                    out_indices=self.out_indices, act_cfg=self.act_cfg)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            freeze(self.conv1)
        for i in range(1, self.frozen_stages + 1):
            freeze(getattr(self, f'layer{i}'))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.conv1(x)
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


@MODELS.register_module()
class SlimmableMobileNetV2CIFAR(SlimmableMobileNetV2):
    """:class:`SlimmableMobileNetV2` for 32 px inputs as US3L's CIFAR
    MobileNetV2: stride 1 in the stem and in ``layer2`` (the output is 4 x 4
    instead of 1 x 1). mmpretrain has no such network: a width exports as
    slimmm's static network (``plain_config`` is None)."""
    arch_settings = [[1, 16, 1, 1], [6, 24, 2, 1], [6, 32, 3, 2],
                     [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                     [6, 320, 1, 1]]
    stem_stride = 1
