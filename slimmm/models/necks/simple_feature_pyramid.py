"""The simple feature pyramid of ViTDet, built from one backbone output.

Li et al., "Exploring Plain Vision Transformer Backbones for Object
Detection", ECCV 2022 (https://arxiv.org/abs/2203.16527), Sec. 3 and
Fig. 2 (right): a plain ViT has a single stride-16 map; the pyramid is
made from the last block's map alone, by deconvolutions (strides 4 and 8),
the identity (16) and a max-pool (32). Each level then goes through a 1x1
and a 3x3 convolution, each followed by a norm (LayerNorm over channels in
the paper), to the detector's ``out_channels``. As in mmdet's ViTDet, one
more level (stride 64) is max-pooled from the last one for the RPN.
"""
from typing import Dict, List, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmengine.model import BaseModule

from ...registry import MODELS

# Channels divide by 2 at each 2x upsampling, as in the paper (a ViT-B's
# 768 become 384 at stride 8 and 192 at stride 4).
UPSAMPLING_CHANNEL_DIVISOR = 2


@MODELS.register_module()
class SimpleFeaturePyramid(BaseModule):
    """ViTDet's simple feature pyramid over the last ViT block.

    Args:
        in_channels (int | list[int]): Channels of the ONE backbone output
            (a one-element list, as a detector fills ``in_channels=None``
            from a slimmm backbone at its width).
        out_channels (int): Channels of every pyramid level. Default: 256.
        scale_factors (tuple[float]): Resize of the input map per level,
            each one of 4, 2, 1, 0.5. Default: ``(4., 2., 1., 0.5)``
            (strides 4, 8, 16, 32 from a stride-16 map).
        num_outs (int): Levels returned; those beyond ``scale_factors``
            are max-pooled (stride 2) from the last. Default: 5.
        norm_cfg (dict): Norm after each convolution (and between the two
            deconvolutions of scale 4). Default: mmpretrain's channel
            LayerNorm ``dict(type='mmpretrain.LN2d', eps=1e-6)``.
        act_cfg (dict): Activation between the two deconvolutions of
            scale 4. Default: ``dict(type='GELU')``.
        init_cfg (dict, optional): mmengine init config.

    Example:
        >>> import torch
        >>> from slimmm.models.necks import SimpleFeaturePyramid
        >>> neck = SimpleFeaturePyramid([32], out_channels=16)
        >>> [tuple(f.shape) for f in neck((torch.rand(1, 32, 8, 8), ))]
        [(1, 16, 32, 32), (1, 16, 16, 16), (1, 16, 8, 8), (1, 16, 4, 4), \
(1, 16, 2, 2)]
    """

    SCALE_FACTORS = (4., 2., 1., 0.5)

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 out_channels: int = 256,
                 scale_factors: Sequence[float] = SCALE_FACTORS,
                 num_outs: int = 5,
                 norm_cfg: Dict = dict(type='mmpretrain.LN2d', eps=1e-6),
                 act_cfg: Dict = dict(type='GELU'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if not isinstance(in_channels, int):
            in_channels = list(in_channels)
            if len(in_channels) != 1:
                raise ValueError(
                    f'SimpleFeaturePyramid reads ONE backbone output, got '
                    f'in_channels={in_channels}: give the last block only '
                    "(e.g. a ViT with out_type='featmap').")
            in_channels = in_channels[0]
        unknown = [s for s in scale_factors if s not in self.SCALE_FACTORS]
        if unknown:
            raise ValueError(
                f'scale_factors {unknown} are not supported; choose from '
                f'{self.SCALE_FACTORS}.')
        if num_outs < len(scale_factors):
            raise ValueError(
                f'num_outs={num_outs} is fewer than the {len(scale_factors)} '
                'scale_factors; raise num_outs or drop scale factors.')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.scale_factors = tuple(scale_factors)
        self.num_outs = num_outs
        self.resamplers = nn.ModuleList()
        self.lateral_convs = nn.ModuleList()
        self.output_convs = nn.ModuleList()
        for scale in self.scale_factors:
            resampler, channels = self._resampler(scale, in_channels,
                                                  norm_cfg, act_cfg)
            self.resamplers.append(resampler)
            self.lateral_convs.append(
                ConvModule(channels, out_channels, 1, bias=False,
                           norm_cfg=norm_cfg, act_cfg=None))
            self.output_convs.append(
                ConvModule(out_channels, out_channels, 3, padding=1,
                           bias=False, norm_cfg=norm_cfg, act_cfg=None))

    @staticmethod
    def _resampler(scale: float, channels: int, norm_cfg: Dict,
                   act_cfg: Dict) -> Tuple[nn.Module, int]:
        """The layers that bring the stride-16 map to ``16 / scale`` and
        the channels they output."""
        if scale == 1.:
            return nn.Identity(), channels
        if scale == 0.5:
            return nn.MaxPool2d(kernel_size=2, stride=2), channels
        half = channels // UPSAMPLING_CHANNEL_DIVISOR
        if scale == 2.:
            return nn.ConvTranspose2d(channels, half, 2, stride=2), half
        quarter = half // UPSAMPLING_CHANNEL_DIVISOR
        return nn.Sequential(
            nn.ConvTranspose2d(channels, half, 2, stride=2),
            build_norm_layer(norm_cfg, half)[1],
            build_activation_layer(act_cfg),
            nn.ConvTranspose2d(half, quarter, 2, stride=2)), quarter

    def forward(self, inputs: Sequence[torch.Tensor]
                ) -> Tuple[torch.Tensor, ...]:
        """Pyramid levels, finest first, from ``inputs = (last_map, )``."""
        if len(inputs) != 1:
            raise ValueError(
                f'SimpleFeaturePyramid reads ONE backbone output, got '
                f'{len(inputs)}: configure the backbone to return only its '
                "last block (e.g. ViT out_type='featmap').")
        x = inputs[0]
        outs: List[torch.Tensor] = [
            output(lateral(resample(x))) for resample, lateral, output in zip(
                self.resamplers, self.lateral_convs, self.output_convs)
        ]
        while len(outs) < self.num_outs:
            # A 1x1 max-pool of stride 2, as mmdet's FPN makes its extra
            # RPN level.
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
