"""Slimmable MobileNetV3 (DSPNet's backbone, widths 0.5 ... 1.0).

`Searching for MobileNetV3 <https://arxiv.org/abs/1905.02244>`_; DSPNet
(dspnet.txt, Sec. 4) pretrains it at widths ``[1.0, 0.875, 0.75, 0.625,
0.5]``. Structure and module names mirror mmpretrain's ``MobileNetV3``
(``layer0`` stem, ``layer1..layerN`` inverted residuals with
``expand_conv`` / ``depthwise_conv`` / ``se`` / ``linear_conv``, a last 1x1
conv), so at width 1.0 the network loads into the stock one with
``strict=True``. mmpretrain has no width multiplier for MobileNetV3; ours
scales every channel count (stem, hidden, outputs, SE squeeze and the last
1x1 conv) with ``make_divisible(c * w, 8)``, the rule of timm's
``mobilenetv3_large_075``-style multipliers.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from ...registry import MODELS
from ..ops import ChannelSpec, SlimmableConvModule, fixed_channels
from ..ops.se_layer import SlimmableSELayer
from .base import BaseSlimmableBackbone, freeze
from .mobilenet_v2 import WidthDependentResidual


class SlimmableInvertedResidualV3(WidthDependentResidual):
    """[1x1 expand] -> kxk depthwise -> [SE] -> 1x1 linear.

    The expand conv exists when the hidden and input channels differ at
    full width (mmpretrain's rule); the shortcut follows
    :class:`WidthDependentResidual`.

    Args:
        in_spec, mid_spec, out_spec (ChannelSpec): Input, hidden and output
            channels.
        kernel_size (int): Depthwise kernel size.
        stride (int): Depthwise stride.
        with_se (bool): Squeeze-and-excite the hidden tensor.
        norm (Callable): The backbone's norm builder.
        act_cfg (dict): Activation of the expand and depthwise convs.
    """

    def __init__(self, in_spec: ChannelSpec, mid_spec: ChannelSpec,
                 out_spec: ChannelSpec, kernel_size: int, stride: int,
                 with_se: bool, norm, act_cfg: Dict):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f'stride must be 1 or 2, got {stride}.')
        self._setup_residual(in_spec, out_spec, stride)
        self.with_expand_conv = mid_spec.max != in_spec.max
        if self.with_expand_conv:
            self.expand_conv = SlimmableConvModule(in_spec, mid_spec, 1, norm,
                                                   act_cfg)
        else:
            mid_spec = in_spec
        self.depthwise_conv = SlimmableConvModule(
            mid_spec, mid_spec, kernel_size, norm, act_cfg, stride=stride,
            depthwise=True)
        self.with_se = with_se
        if with_se:
            self.se = SlimmableSELayer(mid_spec, ratio=4, divisor=8)
        self.linear_conv = SlimmableConvModule(mid_spec, out_spec, 1, norm,
                                               act_cfg=None)

    def body(self, x: torch.Tensor) -> torch.Tensor:
        if self.with_expand_conv:
            x = self.expand_conv(x)
        x = self.depthwise_conv(x)
        if self.with_se:
            x = self.se(x)
        return self.linear_conv(x)


@MODELS.register_module()
class SlimmableMobileNetV3(BaseSlimmableBackbone):
    """Slimmable MobileNetV3.

    Args:
        arch (str): ``'large'`` or ``'small'``.
        out_indices (Sequence[int], optional): Outputs of ``layer0`` (stem,
            0), the blocks (1..N) and the last 1x1 conv (N+1); defaults to
            the last conv, as mmpretrain.
        frozen_stages (int): Freeze ``layer0..layer{frozen_stages}``; -1 for
            none.
        **kwargs: ``widths`` / ``width_range`` / ``width`` / ``norm_cfg``
            (default BN with eps 1e-3, momentum 0.01 as mmpretrain) /
            ``norm_eval`` / ``init_cfg`` of :class:`BaseSlimmableBackbone`.

    Example:
        >>> import torch
        >>> from slimmm.models import SlimmableMobileNetV3
        >>> net = SlimmableMobileNetV3('large', widths=[1.0, 0.5])
        >>> net.set_width(0.5)
        >>> [tuple(f.shape) for f in net(torch.rand(2, 3, 32, 32))]
        [(2, 480, 1, 1)]
    """

    # kernel size, hidden channels, out channels, with SE, activation, stride
    arch_settings = {
        'small': [[3, 16, 16, True, 'ReLU', 2],
                  [3, 72, 24, False, 'ReLU', 2],
                  [3, 88, 24, False, 'ReLU', 1],
                  [5, 96, 40, True, 'HSwish', 2],
                  [5, 240, 40, True, 'HSwish', 1],
                  [5, 240, 40, True, 'HSwish', 1],
                  [5, 120, 48, True, 'HSwish', 1],
                  [5, 144, 48, True, 'HSwish', 1],
                  [5, 288, 96, True, 'HSwish', 2],
                  [5, 576, 96, True, 'HSwish', 1],
                  [5, 576, 96, True, 'HSwish', 1]],
        'large': [[3, 16, 16, False, 'ReLU', 1],
                  [3, 64, 24, False, 'ReLU', 2],
                  [3, 72, 24, False, 'ReLU', 1],
                  [5, 72, 40, True, 'ReLU', 2],
                  [5, 120, 40, True, 'ReLU', 1],
                  [5, 120, 40, True, 'ReLU', 1],
                  [3, 240, 80, False, 'HSwish', 2],
                  [3, 200, 80, False, 'HSwish', 1],
                  [3, 184, 80, False, 'HSwish', 1],
                  [3, 184, 80, False, 'HSwish', 1],
                  [3, 480, 112, True, 'HSwish', 1],
                  [3, 672, 112, True, 'HSwish', 1],
                  [5, 672, 160, True, 'HSwish', 2],
                  [5, 960, 160, True, 'HSwish', 1],
                  [5, 960, 160, True, 'HSwish', 1]]
    }  # yapf: disable
    stem_channels = 16
    divisor = 8

    def __init__(self,
                 arch: str = 'large',
                 out_indices: Optional[Sequence[int]] = None,
                 frozen_stages: int = -1,
                 **kwargs):
        kwargs.setdefault('norm_cfg',
                          dict(type='BN', eps=0.001, momentum=0.01))
        super().__init__(**kwargs)
        if arch not in self.arch_settings:
            raise KeyError(f'Invalid arch {arch!r} for SlimmableMobileNetV3; '
                           f'choose from {sorted(self.arch_settings)}.')
        settings = self.arch_settings[arch]
        num_outputs = len(settings) + 2
        if out_indices is None:
            out_indices = (num_outputs - 1, )
        self.check_stage_indices(out_indices, frozen_stages, num_outputs)
        self.arch = arch
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages

        spec = ChannelSpec(self.stem_channels, self.divisor)
        self.layer0 = SlimmableConvModule(fixed_channels(3), spec, 3,
                                          self.norm, dict(type='HSwish'),
                                          stride=2)
        self.output_specs: List[ChannelSpec] = [spec]
        for i, (kernel, mid, out, with_se, act, stride) in enumerate(
                settings):
            out_spec = ChannelSpec(out, self.divisor)
            self.add_module(
                f'layer{i + 1}',
                SlimmableInvertedResidualV3(
                    spec, ChannelSpec(mid, self.divisor), out_spec, kernel,
                    stride, with_se, self.norm, dict(type=act)))
            self.output_specs.append(out_spec)
            spec = out_spec
        last = ChannelSpec(settings[-1][1], self.divisor)
        self.add_module(
            f'layer{len(settings) + 1}',
            SlimmableConvModule(spec, last, 1, self.norm,
                                dict(type='HSwish')))
        self.output_specs.append(last)
        self.layers = [f'layer{i}' for i in range(num_outputs)]
        self._finish_build()

    def feature_channels(self, width: Optional[float] = None) -> List[int]:
        """Channels of each output in ``out_indices`` at ``width``."""
        width = self.check_width(
            width if width is not None else (self.fixed_width or 1.0))
        return [self.output_specs[i].at(width) for i in self.out_indices]

    def plain_config(self, width: float) -> Optional[Dict]:
        """mmpretrain's MobileNetV3 at width 1.0; None at other widths
        (mmpretrain has no width multiplier for it)."""
        if abs(width - 1.0) > 1e-9:
            return None
        return dict(type='MobileNetV3', arch=self.arch,
                    out_indices=self.out_indices, norm_cfg=self.norm_cfg)

    def _freeze_stages(self) -> None:
        for i in range(self.frozen_stages + 1):
            freeze(getattr(self, f'layer{i}'))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
