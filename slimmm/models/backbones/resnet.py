"""Slimmable ResNet (Slimmable Networks / SlimCLR / US3L / DSPNet).

Module names equal mmpretrain's and mmdet's ``ResNet`` (``conv1``, ``bn1``,
``layer1.0.conv1`` ... ``downsample.0/1``), so a network cut at one width
loads into the stock ResNet with ``stem_channels = base_channels =
int(64 * w)``.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from ...registry import MODELS
from ..ops import ChannelSpec, SlimmableConv2d, fixed_channels
from .base import BaseSlimmableBackbone, freeze


class SlimmableBasicBlock(nn.Module):
    """3x3 + 3x3 residual block (ResNet-18/34)."""

    expansion = 1

    def __init__(self, in_spec: ChannelSpec, out_spec: ChannelSpec,
                 stride: int, norm, downsample: Optional[nn.Module] = None):
        super().__init__()
        mid = out_spec.times(1 / self.expansion)
        self.conv1 = SlimmableConv2d(in_spec, mid, 3, stride=stride,
                                     padding=1, bias=False)
        self.bn1 = norm(mid)
        self.conv2 = SlimmableConv2d(mid, out_spec, 3, padding=1, bias=False)
        self.bn2 = norm(out_spec)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return self.bn2(self.conv2(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(self.residual(x) + identity)

    @property
    def last_norm(self) -> nn.Module:
        return self.bn2


class SlimmableBottleneck(SlimmableBasicBlock):
    """1x1 + 3x3 + 1x1 bottleneck, stride on the 3x3 ('pytorch' style)."""

    expansion = 4

    def __init__(self, in_spec: ChannelSpec, out_spec: ChannelSpec,
                 stride: int, norm, downsample: Optional[nn.Module] = None):
        nn.Module.__init__(self)
        mid = out_spec.times(1 / self.expansion)
        self.conv1 = SlimmableConv2d(in_spec, mid, 1, bias=False)
        self.bn1 = norm(mid)
        self.conv2 = SlimmableConv2d(mid, mid, 3, stride=stride, padding=1,
                                     bias=False)
        self.bn2 = norm(mid)
        self.conv3 = SlimmableConv2d(mid, out_spec, 1, bias=False)
        self.bn3 = norm(out_spec)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.bn3(self.conv3(out))

    @property
    def last_norm(self) -> nn.Module:
        return self.bn3


class SlimmableResLayer(nn.Sequential):
    """A stage whose first ``active_blocks`` blocks run (depth sampling)."""

    def __init__(self, *blocks: nn.Module):
        super().__init__(*blocks)
        self.active_blocks = len(blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in list(self)[:self.active_blocks]:
            x = block(x)
        return x


@MODELS.register_module()
class SlimmableResNet(BaseSlimmableBackbone):
    """Slimmable ResNet.

    At width ``w`` the stem has ``c(stem_channels * w)`` channels and stage
    ``i`` has ``c(base_channels * w) * 2**i * expansion`` outputs, as a
    stock ResNet with ``stem_channels = base_channels = c(64 * w)``, where
    ``c`` is ``int`` for a width list and rounds to a multiple of 8 for a
    universally slimmable network (``channel_divisor``). With
    ``channel_rule='layer'`` every layer rounds its own channels instead,
    ``c(C * w)`` for a layer of ``C`` channels at full width, as US-Nets
    and US3L do (the two rules agree where ``base_channels * w`` is a
    multiple of the divisor).

    Args:
        depth (int): 18, 34, 50 or 101.
        stem_channels (int): Stem channels at full width.
        base_channels (int): Stage-1 bottleneck width at full width
            (DSPNet's ResNet family uses 96, i.e. ResNet-34 x 1.5).
        stage_blocks (Sequence[int], optional): Blocks per stage at full
            depth; defaults to the depth's. DSPNet samples fewer blocks
            with :meth:`set_depth`.
        blocks_per_stage (Sequence[int], optional): With ``width``: build
            the static network with only these first blocks per stage.
        out_indices (Sequence[int]): Stages whose outputs are returned.
        frozen_stages (int): Stages (stem = 0) frozen; -1 for none.
        zero_init_residual (bool): Zero the last BN of each block at init.
        channel_divisor (int, optional): Channel counts at every width are
            multiples of it (``make_divisible``). None (default): 8 for a
            universally slimmable network (``width_range``), as US-Nets do:
            an arbitrary width would otherwise give counts such as 53, which
            run about 15 % slower per FLOP than 56 on CPU and miss the
            tensor-core shapes on GPU; 1 (``int(c * w)``, the stock
            ResNet rule at the listed widths) for ``widths``.
        channel_rule (str): ``'stage'`` (default): channels derive from the
            rounded stem and base width, so every width is a stock ResNet
            with ``base_channels = c(64 * w)``. ``'layer'``: each
            convolution rounds its own full-width channels with the
            divisor, US-Nets' and US3L's rule (``make_divisible(C * w, 8)``
            per layer); at widths where that breaks the stock ratios (the
            x4 of a bottleneck) no stock ResNet has the channels and
            :meth:`plain_config` returns None.
        **kwargs: ``widths`` / ``width_range`` / ``width`` / ``norm_cfg`` /
            ``norm_eval`` / ``init_cfg`` of :class:`BaseSlimmableBackbone`.

    Example:
        >>> import torch
        >>> from slimmm.models import SlimmableResNet
        >>> net = SlimmableResNet(18, widths=[1.0, 0.5], out_indices=(0, 3))
        >>> net.set_width(0.5)
        >>> [tuple(f.shape) for f in net(torch.rand(1, 3, 32, 32))]
        [(1, 32, 8, 8), (1, 256, 1, 1)]
    """

    arch_settings = {
        18: (SlimmableBasicBlock, (2, 2, 2, 2)),
        34: (SlimmableBasicBlock, (3, 4, 6, 3)),
        50: (SlimmableBottleneck, (3, 4, 6, 3)),
        101: (SlimmableBottleneck, (3, 4, 23, 3)),
    }
    channel_rules = ('stage', 'layer')
    #: the stem of mmpretrain's / mmdet's ``ResNet``: 7x7 stride-2 conv and
    #: a stride-2 max-pool (:class:`SlimmableResNetCIFAR` overrides them)
    stem_conv = dict(kernel_size=7, stride=2, padding=3)
    stem_pool = True
    plain_type = 'ResNet'

    def __init__(self,
                 depth: int,
                 stem_channels: int = 64,
                 base_channels: int = 64,
                 stage_blocks: Optional[Sequence[int]] = None,
                 blocks_per_stage: Optional[Sequence[int]] = None,
                 strides: Sequence[int] = (1, 2, 2, 2),
                 out_indices: Sequence[int] = (3, ),
                 frozen_stages: int = -1,
                 zero_init_residual: bool = False,
                 channel_divisor: Optional[int] = None,
                 channel_rule: str = 'stage',
                 **kwargs):
        super().__init__(**kwargs)
        if channel_rule not in self.channel_rules:
            raise ValueError(
                f'channel_rule must be one of {self.channel_rules}, got '
                f'{channel_rule!r}: \'stage\' scales the rounded base width, '
                "'layer' rounds each layer's channels (US-Nets / US3L).")
        if channel_divisor is None:
            channel_divisor = 8 if self.width_space.universal else 1
        if channel_divisor < 1:
            raise ValueError(
                f'channel_divisor must be >= 1, got {channel_divisor}.')
        if stem_channels % channel_divisor or base_channels % channel_divisor:
            raise ValueError(
                f'stem_channels {stem_channels} and base_channels '
                f'{base_channels} must be multiples of channel_divisor '
                f'{channel_divisor} (the full width would not round to '
                'itself); pass channel_divisor=1 or change the channels.')
        if depth not in self.arch_settings:
            raise KeyError(f'Invalid depth {depth} for SlimmableResNet; '
                           f'choose from {sorted(self.arch_settings)}.')
        block, default_blocks = self.arch_settings[depth]
        self.depth = depth
        self.block = block
        self.stage_blocks = tuple(stage_blocks or default_blocks)
        if len(strides) != len(self.stage_blocks):
            raise ValueError(f'strides {tuple(strides)} must have one entry '
                             f'per stage ({len(self.stage_blocks)}).')
        num_stages = len(self.stage_blocks)
        self.check_stage_indices(out_indices, frozen_stages, num_stages,
                                 max_frozen=num_stages)
        self.out_indices = tuple(out_indices)
        self.strides = tuple(strides)
        self.frozen_stages = frozen_stages
        self.zero_init_residual = zero_init_residual
        self.channel_rule = channel_rule

        # The channels at every width derive from these two specs; stage i
        # has base * expansion * 2**i of them (rounded once per layer with
        # the 'layer' rule).
        per_layer = channel_rule == 'layer'
        self.stem_spec = stem = ChannelSpec(stem_channels, channel_divisor,
                                            per_layer=per_layer)
        self.base_spec = ChannelSpec(base_channels, channel_divisor,
                                     per_layer=per_layer)
        self.conv1 = SlimmableConv2d(fixed_channels(3), stem,
                                     bias=False, **self.stem_conv)
        self.bn1 = self.norm(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = (nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
                        if self.stem_pool else nn.Identity())

        self.stage_specs: List[ChannelSpec] = []
        in_spec = stem
        for i, (num_blocks, stride) in enumerate(
                zip(self.stage_blocks, strides)):
            out_spec = self.base_spec.times(block.expansion * 2**i)
            self.add_module(f'layer{i + 1}',
                            self._make_stage(in_spec, out_spec, num_blocks,
                                             stride))
            self.stage_specs.append(out_spec)
            in_spec = out_spec

        if blocks_per_stage is not None:
            if self.fixed_width is None:
                raise ValueError('blocks_per_stage builds a static network: '
                                 'give `width` too (or use set_depth).')
            self.set_depth(blocks_per_stage)
            for stage, n in zip(self.stages, blocks_per_stage):
                while len(stage) > n:
                    del stage[len(stage) - 1]
        self._finish_build()

    def _make_stage(self, in_spec: ChannelSpec, out_spec: ChannelSpec,
                    num_blocks: int, stride: int) -> SlimmableResLayer:
        blocks = []
        for index in range(num_blocks):
            block_stride = stride if index == 0 else 1
            downsample = None
            if block_stride != 1 or in_spec != out_spec:
                downsample = nn.Sequential(
                    SlimmableConv2d(in_spec, out_spec, 1, stride=block_stride,
                                    bias=False), self.norm(out_spec))
            blocks.append(
                self.block(in_spec, out_spec, block_stride, self.norm,
                           downsample))
            in_spec = out_spec
        return SlimmableResLayer(*blocks)

    @property
    def stages(self) -> List[SlimmableResLayer]:
        return [getattr(self, f'layer{i + 1}')
                for i in range(len(self.stage_blocks))]

    def set_depth(self, blocks_per_stage: Optional[Sequence[int]]) -> None:
        """Run only the first ``blocks_per_stage[i]`` blocks of stage ``i``
        (None: all blocks)."""
        if blocks_per_stage is None:
            blocks_per_stage = [len(stage) for stage in self.stages]
        if len(blocks_per_stage) != len(self.stages) or any(
                not 1 <= n <= len(stage)
                for n, stage in zip(blocks_per_stage, self.stages)):
            raise ValueError(
                f'blocks_per_stage {tuple(blocks_per_stage)} must give 1..max '
                f'blocks for each stage; the maximum is '
                f'{tuple(len(s) for s in self.stages)}.')
        for stage, n in zip(self.stages, blocks_per_stage):
            stage.active_blocks = int(n)

    def feature_channels(self, width: Optional[float] = None) -> List[int]:
        """Channels of each output in ``out_indices`` at ``width``."""
        width = self.check_width(
            width if width is not None else (self.fixed_width or 1.0))
        return [self.stage_specs[i].at(width) for i in self.out_indices]

    def slimmable_twin(self) -> 'SlimmableResNet':
        # The twin holds every block, as the checkpoint does; ``cut_twin``
        # drops the blocks this depth-reduced static network lacks.
        args, kwargs = self._build_args
        kwargs = dict(kwargs, width=None, init_cfg=None,
                      blocks_per_stage=None)
        return type(self)(*args, **kwargs)

    def cut_twin(self, twin: 'SlimmableResNet') -> None:
        for own, stage in zip(self.stages, twin.stages):
            while len(stage) > len(own):
                del stage[len(stage) - 1]
            stage.active_blocks = len(stage)

    def plain_config(self, width: float) -> Optional[Dict]:
        """Stock ``ResNet`` config (mmpretrain / mmdet) equal to this network
        at ``width``: ``stem_channels`` and ``base_channels`` scaled by the
        :class:`ChannelSpec` rule of this network, or None when the
        stage depths are not those of a stock ``depth`` or, with the
        'layer' rule, a layer's channels are not the stock multiple of the
        base width."""
        width = self.width_space.check(width)
        blocks = tuple(len(stage) for stage in self.stages)
        if blocks != self.arch_settings[self.depth][1]:
            return None
        base = self.base_spec.at(width)
        expansion = self.block.expansion
        if any(spec.at(width) != base * expansion * 2**i
               or spec.times(1 / expansion).at(width) != base * 2**i
               for i, spec in enumerate(self.stage_specs)):
            return None
        cfg = dict(
            type=self.plain_type,
            depth=self.depth,
            stem_channels=self.stem_spec.at(width),
            base_channels=base,
            out_indices=self.out_indices)
        if self.strides != (1, 2, 2, 2):
            cfg['strides'] = self.strides
        return cfg

    def init_weights_from_scratch(self) -> None:
        super().init_weights_from_scratch()
        if self.zero_init_residual:
            for stage in self.stages:
                for block in stage:
                    for m in block.last_norm.modules():
                        if getattr(m, 'weight', None) is not None and \
                                m.weight.dim() == 1:
                            nn.init.zeros_(m.weight)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            freeze(self.conv1)
            freeze(self.bn1)
        for stage in self.stages[:max(self.frozen_stages, 0)]:
            freeze(stage)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


@MODELS.register_module()
class SlimmableResNetCIFAR(SlimmableResNet):
    """:class:`SlimmableResNet` with the CIFAR stem of mmpretrain's
    ``ResNet_CIFAR`` (3x3 stride-1 conv, no max-pool), for 32 px inputs as
    US3L's CIFAR experiments use it; a width exports to ``ResNet_CIFAR``.

    Example:
        >>> import torch
        >>> from slimmm.models import SlimmableResNetCIFAR
        >>> net = SlimmableResNetCIFAR(18, width_range=(0.25, 1.0))
        >>> net.set_width(0.6)
        >>> tuple(net(torch.rand(1, 3, 32, 32))[-1].shape)
        (1, 320, 4, 4)
    """
    stem_conv = dict(kernel_size=3, stride=1, padding=1)
    stem_pool = False
    plain_type = 'ResNet_CIFAR'
