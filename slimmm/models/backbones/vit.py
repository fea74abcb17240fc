"""Slimmable / universally slimmable Vision Transformer (US3L Sec. 4.3).

US3L (us3l.txt, Sec. 4.3, Table 3) slims ViT-Tiny and ViT-Small by
"directly reducing the embedding dimension in all layers", at widths 1.0,
0.75, 0.5 and 0.25. At width ``w`` every token has ``e = D * w`` channels
(patch embedding, class token, position embedding, every LayerNorm, the
attention and ``4e`` hidden MLP channels). Heads are sliced with
:class:`SlimmableMultiheadSelfAttention`:

* ``head_slicing='dims'`` (default): every head stays and keeps its first
  ``e / H`` dims. It is the only rule under which all of Table 3's widths
  exist (ViT-Tiny has 3 heads of 64 dims: 0.75x = 144 channels cannot be
  whole 64-dim heads) and under which a universal width range is dense.
* ``head_slicing='heads'``: heads keep their 64 dims and the last heads are
  dropped; widths must give multiples of 64 channels (ViT-S: 1.0, 5/6,
  2/3, 1/2, 1/3, 1/6).

The embedding is rounded to a multiple of the unit (H or 64) with the same
``ChannelSpec`` rule as every other layer; for the widths of the configs
this rounding is exact (``e = int(D * w)``). Module names equal mmpretrain's
``VisionTransformer``, so a width cut out of the network loads into the
stock one built from :meth:`SlimmableViT.plain_config`.
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmcv.cnn.bricks import DropPath
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.utils import resize_pos_embed

from ...registry import MODELS
from ..ops import (ChannelSpec, SlicedLayerNorm, SlimmableConv2d,
                   SlimmableLinear, SlimmableMixin, convert_to_static,
                   fixed_channels)
from ..ops.attention import (HEAD_SLICING, SlimmableMultiheadSelfAttention,
                             split_heads)
from .base import BaseSlimmableBackbone, freeze


class SlimmableFFN(nn.Module):
    """Linear -> GELU -> Linear with a residual, named like mmcv's FFN
    (``layers.0.0`` and ``layers.1``)."""

    def __init__(self, spec: ChannelSpec, hidden: ChannelSpec,
                 act_cfg: Dict = dict(type='GELU'),
                 drop_path_rate: float = 0.):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Sequential(SlimmableLinear(spec, hidden),
                          build_activation_layer(act_cfg)),
            SlimmableLinear(hidden, spec))
        self.drop_path = (DropPath(drop_path_rate)
                          if drop_path_rate > 0 else nn.Identity())

    def forward(self, x: torch.Tensor, identity: torch.Tensor):
        return identity + self.drop_path(self.layers(x))


class SlimmableTransformerEncoderLayer(nn.Module):
    """Pre-norm encoder layer: ``x + attn(ln1(x))``, then the MLP."""

    def __init__(self, spec: ChannelSpec, num_heads: int, mlp_ratio: float,
                 head_slicing: str, qkv_bias: bool, eps: float,
                 drop_path_rate: float = 0.):
        super().__init__()
        self.ln1 = SlicedLayerNorm(spec, eps=eps)
        self.attn = SlimmableMultiheadSelfAttention(spec, num_heads,
                                                    head_slicing, qkv_bias)
        self.ln2 = SlicedLayerNorm(spec, eps=eps)
        self.ffn = SlimmableFFN(spec, spec.times(mlp_ratio),
                                drop_path_rate=drop_path_rate)
        self.drop_path = (DropPath(drop_path_rate)
                          if drop_path_rate > 0 else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.ln1(x)))
        return self.ffn(self.ln2(x), identity=x)


@MODELS.register_module()
class SlimmableViT(SlimmableMixin, BaseSlimmableBackbone):
    """Slimmable ViT-Tiny / ViT-Small.

    Args:
        arch (str | dict): ``'tiny'`` (192 dims, 12 layers, 3 heads),
            ``'small'`` (384, 12, 6) or a dict with ``embed_dims``,
            ``num_layers``, ``num_heads``.
        img_size (int): Input size the position embedding is made for
            (other sizes interpolate it, as mmpretrain).
        patch_size (int): Patch size.
        head_slicing (str): ``'dims'`` or ``'heads'`` (module docstring).
        mlp_ratio (float): MLP hidden channels / embedding channels.
        qkv_bias (bool): Learn biases of q, k, v.
        out_type (str): ``'cls_token'`` (B, C), ``'featmap'`` (B, C, H, W)
            or ``'raw'`` (B, 1 + HW, C), after the final LayerNorm.
        drop_path_rate (float): Stochastic depth of the last layer.
        frozen_stages (int): Freeze the embeddings (>= 0) and the first
            ``frozen_stages`` layers.
        **kwargs: ``widths`` / ``width_range`` / ``width`` / ``norm_cfg``
            (LayerNorm ``eps``) / ``init_cfg`` of
            :class:`BaseSlimmableBackbone`.

    Example:
        >>> import torch
        >>> from slimmm.models import SlimmableViT
        >>> net = SlimmableViT('tiny', img_size=32, patch_size=8,
        ...                    width_range=(0.25, 1.0))
        >>> net.set_width(0.5)
        >>> [tuple(f.shape) for f in net(torch.rand(2, 3, 32, 32))]
        [(2, 96)]
    """

    arch_zoo = {
        'tiny': dict(embed_dims=192, num_layers=12, num_heads=3),
        'small': dict(embed_dims=384, num_layers=12, num_heads=6),
    }
    OUT_TYPES = ('cls_token', 'featmap', 'raw')
    num_extra_tokens = 1

    def __init__(self,
                 arch='small',
                 img_size: int = 224,
                 patch_size: int = 16,
                 head_slicing: str = 'dims',
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 out_type: str = 'cls_token',
                 drop_path_rate: float = 0.,
                 frozen_stages: int = -1,
                 **kwargs):
        kwargs.setdefault('norm_cfg', dict(type='LN', eps=1e-6))
        super().__init__(**kwargs)
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise KeyError(f'Invalid arch {arch!r} for SlimmableViT; '
                               f'choose from {sorted(self.arch_zoo)} or give '
                               'a dict(embed_dims, num_layers, num_heads).')
            arch = self.arch_zoo[arch]
        self.arch_settings = dict(arch)
        embed_dims = arch['embed_dims']
        num_layers, num_heads = arch['num_layers'], arch['num_heads']
        if head_slicing not in HEAD_SLICING:
            raise ValueError(f'head_slicing must be one of {HEAD_SLICING}, '
                             f'got {head_slicing!r}.')
        if out_type not in self.OUT_TYPES:
            raise ValueError(f'out_type must be one of {self.OUT_TYPES}, got '
                             f'{out_type!r}.')
        if not -1 <= frozen_stages <= num_layers:
            raise ValueError(f'frozen_stages must be in range(-1, '
                             f'{num_layers + 1}), got {frozen_stages}.')
        if img_size % patch_size:
            raise ValueError(f'img_size {img_size} must be a multiple of '
                             f'patch_size {patch_size}.')
        self.img_size, self.patch_size = img_size, patch_size
        self.head_slicing, self.mlp_ratio = head_slicing, mlp_ratio
        self.qkv_bias, self.out_type = qkv_bias, out_type
        self.frozen_stages = frozen_stages
        self.num_layers, self.num_heads = num_layers, num_heads
        unit = num_heads if head_slicing == 'dims' else embed_dims // num_heads
        self.embed_spec = ChannelSpec(embed_dims, divisor=unit)
        self._check_widths(embed_dims, unit)

        eps = self.norm_cfg.get('eps', 1e-6)
        self.patch_embed = nn.Module()
        self.patch_embed.projection = SlimmableConv2d(
            fixed_channels(3), self.embed_spec, patch_size, stride=patch_size,
            bias=True)
        self.patch_resolution = (img_size // patch_size, ) * 2
        num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.pos_embed = nn.Parameter(
            torch.zeros(1, num_patches + self.num_extra_tokens, embed_dims))
        rates = torch.linspace(0, drop_path_rate, num_layers).tolist()
        self.layers = nn.ModuleList(
            SlimmableTransformerEncoderLayer(self.embed_spec, num_heads,
                                             mlp_ratio, head_slicing,
                                             qkv_bias, eps, rate)
            for rate in rates)
        self.ln1 = SlicedLayerNorm(self.embed_spec, eps=eps)
        self._finish_build()

    def _check_widths(self, embed_dims: int, unit: int) -> None:
        # Switchable widths must be exact (e = D * w); a universal range is
        # rounded to multiples of the unit by design.
        if self.width_space.universal:
            return
        for w in self.width_space.widths:
            exact = embed_dims * w
            if abs(self.embed_spec.at(w) - exact) > 1e-3:
                raise ValueError(
                    f'Width {w} gives {exact:g} embedding channels, not a '
                    f'multiple of {unit} (head_slicing={self.head_slicing!r}'
                    f', {self.num_heads} heads, {embed_dims} channels); pick '
                    f'widths w with {embed_dims} * w a multiple of {unit}.')

    # ---- width -------------------------------------------------------
    def embed_dims_at(self, width: Optional[float] = None) -> int:
        width = self.check_width(
            width if width is not None else (self.fixed_width or 1.0))
        return self.embed_spec.at(width)

    def feature_channels(self, width: Optional[float] = None) -> List[int]:
        """Channels of the output at ``width``."""
        return [self.embed_dims_at(width)]

    @property
    def out_spec(self) -> ChannelSpec:
        """Channels of the output as a function of the width (the
        embedding's), so a slimmable projector can follow it."""
        return self.embed_spec

    @property
    def width(self) -> float:
        # The width is the backbone's ``current_width``; ``set_width`` writes
        # ``width`` on slimmable modules, so both names must agree.
        return self.current_width

    @width.setter
    def width(self, value: float) -> None:
        self.current_width = float(value)

    def plain_config(self, width: float) -> Dict:
        """mmpretrain ``VisionTransformer`` equal to this network at
        ``width``."""
        embed = self.embed_spec.at(width)
        heads, _ = split_heads(embed, self.num_heads,
                               self.embed_spec.max // self.num_heads,
                               self.head_slicing)
        return dict(
            type='VisionTransformer',
            arch=dict(embed_dims=embed, num_layers=self.num_layers,
                      num_heads=heads,
                      feedforward_channels=int(round(embed * self.mlp_ratio))),
            img_size=self.img_size, patch_size=self.patch_size,
            qkv_bias=self.qkv_bias, out_type=self.out_type,
            norm_cfg=dict(type='LN', eps=self.norm_cfg.get('eps', 1e-6)))

    def to_static(self, width: float) -> 'SlimmableViT':
        """Cut ``width`` out in place: layers become plain, the class token
        and position embedding keep their first ``e`` channels."""
        embed = self.embed_spec.at(width)
        for name, child in list(self.named_children()):
            setattr(self, name, convert_to_static(child, width))
        self.cls_token = nn.Parameter(
            self.cls_token.data[..., :embed].clone(),
            requires_grad=self.cls_token.requires_grad)
        self.pos_embed = nn.Parameter(
            self.pos_embed.data[..., :embed].clone(),
            requires_grad=self.pos_embed.requires_grad)
        self.width = float(width)
        return self

    # ---- init / freezing ---------------------------------------------
    def init_weights_from_scratch(self) -> None:
        trunc_normal_(self.pos_embed, std=0.02)
        trunc_normal_(self.cls_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        proj = self.patch_embed.projection
        nn.init.xavier_uniform_(proj.weight.view(proj.weight.shape[0], -1))
        nn.init.zeros_(proj.bias)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            freeze(self.patch_embed)
            self.cls_token.requires_grad = False
            self.pos_embed.requires_grad = False
        for layer in list(self.layers)[:max(self.frozen_stages, 0)]:
            freeze(layer)
        if self.frozen_stages == self.num_layers:
            freeze(self.ln1)

    # ---- forward -------------------------------------------------------
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        batch = x.shape[0]
        x = self.patch_embed.projection(x)
        hw = tuple(x.shape[2:])
        x = x.flatten(2).transpose(1, 2)
        # The active embedding is whatever the patch embedding produced, so
        # the slimmable and the static network slice the tokens alike.
        embed = x.shape[-1]
        cls_token = self.cls_token[..., :embed].expand(batch, -1, -1)
        x = torch.cat((cls_token, x), dim=1)
        x = x + resize_pos_embed(self.pos_embed[..., :embed],
                                 self.patch_resolution, hw, mode='bicubic',
                                 num_extra_tokens=self.num_extra_tokens)
        for layer in self.layers:
            x = layer(x)
        x = self.ln1(x)
        if self.out_type == 'cls_token':
            return (x[:, 0], )
        if self.out_type == 'featmap':
            return (x[:, 1:].reshape(batch, *hw, embed).permute(0, 3, 1, 2), )
        return (x, )
