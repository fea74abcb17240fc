"""Multi-head self-attention whose embedding (and heads) follow the width.

The full layer holds ``qkv: Linear(D, 3D)`` and ``proj: Linear(D, D)`` with
the q, k and v blocks stacked along the output dimension and, inside each
block, the heads one after the other (``head_dim = D / H`` rows each), the
layout of mmpretrain's / timm's ViT. At width ``w`` the embedding has
``e = spec.at(w)`` channels and the attention runs ``h`` heads of ``d``
dims with ``h * d = e``. Two slicing rules are offered:

* ``'dims'``: all ``H`` heads stay, each keeps its first ``d = e / H`` dims
  (any width whose embedding is a multiple of ``H``; the US3L ViT widths
  0.75 / 0.25 of ViT-Tiny's 3 heads need it).
* ``'heads'``: the first ``h = e / head_dim`` heads stay whole.

Either way the active q (k, v) rows are head ``i``'s first ``d`` rows for
``i < h``, taken separately inside each of the q, k, v blocks (a plain
``weight[:3e]`` would mix q rows into k), and ``to_static`` copies exactly
those rows, so the static layer equals a stock attention layer of ``e``
dims and ``h`` heads.
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .channels import ChannelSpec
from .width import SlimmableMixin

HEAD_SLICING = ('dims', 'heads')


def multihead_self_attention(x: torch.Tensor, qkv_weight: torch.Tensor,
                             qkv_bias: Optional[torch.Tensor],
                             proj_weight: torch.Tensor,
                             proj_bias: Optional[torch.Tensor],
                             num_heads: int) -> torch.Tensor:
    """Scaled dot-product self-attention of ``x`` (B, N, C).

    ``qkv_weight`` has rows ``[q heads | k heads | v heads]``, each head
    ``inner / num_heads`` rows; the scale is ``head_dim ** -0.5``.
    """
    batch, tokens, _ = x.shape
    inner = qkv_weight.shape[0] // 3
    qkv = F.linear(x, qkv_weight, qkv_bias).reshape(
        batch, tokens, 3, num_heads, inner // num_heads).permute(2, 0, 3, 1, 4)
    out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
    out = out.transpose(1, 2).reshape(batch, tokens, inner)
    return F.linear(out, proj_weight, proj_bias)


def split_heads(embed: int, num_heads: int, head_dim: int,
                head_slicing: str) -> Tuple[int, int]:
    """``(heads, dims per head)`` of an ``embed``-channel attention cut from
    one of ``num_heads`` heads of ``head_dim`` dims."""
    if head_slicing not in HEAD_SLICING:
        raise ValueError(f'head_slicing must be one of {HEAD_SLICING}, got '
                         f'{head_slicing!r}.')
    unit = num_heads if head_slicing == 'dims' else head_dim
    if embed % unit or embed < unit:
        raise ValueError(
            f'{embed} embedding channels are not a multiple of {unit} '
            f'(head_slicing={head_slicing!r}, {num_heads} heads of {head_dim}'
            f' dims at full width); pick widths whose embedding is a '
            f'multiple of {unit}.')
    if head_slicing == 'dims':
        return num_heads, embed // num_heads
    return embed // head_dim, head_dim


class MultiheadSelfAttention(nn.Module):
    """Plain multi-head self-attention (mmpretrain's key names).

    Args:
        embed_dims (int): Embedding channels.
        num_heads (int): Number of heads.
        qkv_bias (bool): Learn a bias for q, k and v.
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 qkv_bias: bool = True):
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims {embed_dims} must be a multiple of '
                             f'num_heads {num_heads}.')
        self.embed_dims, self.num_heads = embed_dims, num_heads
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return multihead_self_attention(x, self.qkv.weight, self.qkv.bias,
                                        self.proj.weight, self.proj.bias,
                                        self.num_heads)

    def extra_repr(self) -> str:
        return f'embed_dims={self.embed_dims}, num_heads={self.num_heads}'


class SlimmableMultiheadSelfAttention(SlimmableMixin, MultiheadSelfAttention):
    """Self-attention over the first ``spec.at(width)`` embedding channels.

    Args:
        spec (ChannelSpec): Embedding channels as a function of the width.
        num_heads (int): Heads at full width.
        head_slicing (str): ``'dims'`` (keep every head, shrink its dims) or
            ``'heads'`` (keep whole heads of fixed dims, drop the last ones).
        qkv_bias (bool): Learn a bias for q, k and v.
    """

    def __init__(self, spec: ChannelSpec, num_heads: int,
                 head_slicing: str = 'dims', qkv_bias: bool = True):
        super().__init__(spec.max, num_heads, qkv_bias)
        if head_slicing not in HEAD_SLICING:
            raise ValueError(f'head_slicing must be one of {HEAD_SLICING}, '
                             f'got {head_slicing!r}.')
        self.spec, self.head_slicing = spec, head_slicing
        self.head_dim = spec.max // num_heads
        self._index_cache: Dict[Tuple[int, str], Tuple] = {}

    def heads_at(self, width: float) -> Tuple[int, int]:
        """``(heads, head_dim)`` at ``width``."""
        return split_heads(self.spec.at(width), self.num_heads,
                           self.head_dim, self.head_slicing)

    def _indices(self, width: float) -> Tuple[torch.Tensor, torch.Tensor]:
        """Rows of ``qkv`` and columns of ``proj`` active at ``width``."""
        heads, dims = self.heads_at(width)
        device = self.qkv.weight.device
        key = (self.spec.at(width), str(device))
        if key not in self._index_cache:
            full = self.spec.max
            per_head = torch.arange(dims, device=device)
            head_starts = torch.arange(heads, device=device) * self.head_dim
            inner = (head_starts[:, None] + per_head[None]).reshape(-1)
            qkv_rows = torch.cat([inner + j * full for j in range(3)])
            self._index_cache[key] = (qkv_rows, inner)
        return self._index_cache[key]

    def _sliced(self, width: float):
        embed = self.spec.at(width)
        heads, _ = self.heads_at(width)
        qkv_rows, inner = self._indices(width)
        qkv_w = self.qkv.weight[qkv_rows, :embed]
        qkv_b = self.qkv.bias[qkv_rows] if self.qkv.bias is not None else None
        proj_w = self.proj.weight[:embed][:, inner]
        return qkv_w, qkv_b, proj_w, self.proj.bias[:embed], heads

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        qkv_w, qkv_b, proj_w, proj_b, heads = self._sliced(self.width)
        return multihead_self_attention(x, qkv_w, qkv_b, proj_w, proj_b, heads)

    def to_static(self, width: float) -> MultiheadSelfAttention:
        qkv_w, qkv_b, proj_w, proj_b, heads = self._sliced(width)
        static = MultiheadSelfAttention(self.spec.at(width), heads,
                                        qkv_b is not None).to(qkv_w.device)
        with torch.no_grad():
            static.qkv.weight.copy_(qkv_w)
            if qkv_b is not None:
                static.qkv.bias.copy_(qkv_b)
            static.proj.weight.copy_(proj_w)
            static.proj.bias.copy_(proj_b)
        return static

    def extra_repr(self) -> str:
        return (super().extra_repr() + f', head_slicing={self.head_slicing}'
                f', width={self.width}')
