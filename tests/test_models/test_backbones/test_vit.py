"""SlimmableViT: shapes per width, per-head q/k/v slicing, static ==
slimmable == stock mmpretrain VisionTransformer, universal widths,
gradients of exactly the active slices."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.models import VisionTransformer
from mmpretrain.registry import MODELS

from slimmm.models.ops import (SlicedLayerNorm, SlimmableConv2d,
                               SlimmableLinear,
                               SlimmableMultiheadSelfAttention,
                               convert_to_static)

US3L_WIDTHS = [1.0, 0.75, 0.5, 0.25]
# Two layers keep the tests fast; every layer is built by the same code.
TINY2 = dict(embed_dims=192, num_layers=2, num_heads=3)
SMALL2 = dict(embed_dims=384, num_layers=2, num_heads=6)


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Tiny inputs; a second intra-op thread only adds synchronisation."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build(**kwargs):
    cfg = dict(type='slimmm.SlimmableViT', arch=TINY2, img_size=32,
               patch_size=8)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def randomize(net: torch.nn.Module) -> None:
    """Random weights everywhere (zero-initialised tokens and biases would
    hide slicing mistakes)."""
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.1)


def test_shapes_per_width():
    torch.manual_seed(0)
    net = build(widths=US3L_WIDTHS)
    x = torch.rand(2, 3, 32, 32)
    for w in US3L_WIDTHS:
        net.set_width(w)
        (out, ) = net(x)
        assert out.shape == (2, int(192 * w))
        assert net.feature_channels(w) == [int(192 * w)]
    featmap = build(widths=US3L_WIDTHS, out_type='featmap')
    featmap.set_width(0.25)
    assert featmap(x)[0].shape == (2, 48, 4, 4)


def test_qkv_rows_are_sliced_per_block_and_per_head():
    net = build(widths=US3L_WIDTHS)
    attn = net.layers[0].attn
    # 'dims': all 3 heads stay, each keeps its first 32 of 64 dims, inside
    # each of the q, k and v blocks of 192 rows.
    rows, cols = attn._indices(0.5)
    expected = [j * 192 + h * 64 + d for j in range(3) for h in range(3)
                for d in range(32)]
    assert rows.tolist() == expected
    assert cols.tolist() == [h * 64 + d for h in range(3) for d in range(32)]
    assert attn.heads_at(0.5) == (3, 32)
    # 'heads': ViT-S at 4/6 keeps the first 4 whole heads of 64 dims.
    small = build(arch=SMALL2, widths=[1.0, 4 / 6], head_slicing='heads')
    attn = small.layers[0].attn
    rows, cols = attn._indices(4 / 6)
    assert rows.tolist() == [j * 384 + r for j in range(3)
                             for r in range(256)]
    assert attn.heads_at(4 / 6) == (4, 64)


@pytest.mark.parametrize('arch, head_slicing, widths', [
    (TINY2, 'dims', US3L_WIDTHS),
    (SMALL2, 'heads', [1.0, 5 / 6, 4 / 6, 3 / 6, 2 / 6, 1 / 6]),
])
@torch.no_grad()
def test_static_and_stock_vit_equal_slimmable(arch, head_slicing, widths):
    torch.manual_seed(0)
    net = build(arch=arch, widths=widths, head_slicing=head_slicing)
    randomize(net)
    net.eval()
    x = torch.randn(2, 3, 32, 32)
    for w in widths:
        net.set_width(w)
        (ref, ) = net(x)
        static = build(arch=arch, widths=widths, head_slicing=head_slicing,
                       width=w)
        static.load_slimmable_state_dict(net.state_dict())
        static.eval()
        stock = MODELS.build(net.plain_config(w))
        assert isinstance(stock, VisionTransformer)
        stock.load_state_dict(static.state_dict(), strict=True)
        stock.eval()
        assert (ref - static(x)[0]).abs().max().item() <= 1e-5
        assert (ref - stock(x)[0]).abs().max().item() <= 1e-5
        assert ref.abs().max() > 0.1  # not a degenerate output


def test_full_vit_tiny_matches_stock_deit_tiny_params():
    net = MODELS.build(dict(type='slimmm.SlimmableViT', arch='tiny',
                            img_size=32, patch_size=8, widths=[1.0],
                            width=1.0))
    stock = VisionTransformer('deit-tiny', img_size=32, patch_size=8)
    assert set(net.state_dict()) == set(stock.state_dict())
    assert sum(p.numel() for p in net.parameters()) == sum(
        p.numel() for p in stock.parameters())


@torch.no_grad()
def test_universal_widths_round_to_multiple_of_heads():
    torch.manual_seed(0)
    net = build(width_range=(0.25, 1.0))
    randomize(net)
    net.eval()
    x = torch.randn(2, 3, 32, 32)
    # 192 * 0.3 = 57.6 -> 57 and 192 * 0.61 = 117.1 -> 117 (3 heads).
    for w, channels in [(0.25, 48), (0.3, 57), (0.61, 117), (1.0, 192)]:
        net.set_width(w)
        (ref, ) = net(x)
        assert ref.shape == (2, channels)
        static = convert_to_static(copy.deepcopy(net), w)
        assert static.cls_token.shape == (1, 1, channels)
        assert (static(x)[0] - ref).abs().max().item() <= 1e-5
    with pytest.raises(ValueError, match=r'outside .* range \[0\.25, 1\.0\]'):
        net.set_width(0.2)


def test_bad_widths_raise():
    with pytest.raises(ValueError, match='multiple of 64'):
        build(arch=SMALL2, widths=[1.0, 0.75], head_slicing='heads')
    with pytest.raises(ValueError, match='head_slicing'):
        build(widths=US3L_WIDTHS, head_slicing='rows')
    net = build(widths=US3L_WIDTHS)
    with pytest.raises(ValueError, match=r'0\.6.*\[1\.0, 0\.75, 0\.5'):
        net.set_width(0.6)


def test_backward_reaches_exactly_the_active_slices():
    torch.manual_seed(0)
    net = build(widths=US3L_WIDTHS)
    randomize(net)
    net.train()
    width = 0.5
    embed = 96
    net.set_width(width)
    (out, ) = net(torch.randn(2, 3, 32, 32))
    (out * torch.randn_like(out)).sum().backward()

    def check(grad, index, name):
        mask = torch.zeros_like(grad, dtype=torch.bool)
        mask[index] = True
        assert grad[mask].abs().sum() > 0, name
        assert grad[~mask].abs().sum() == 0, name

    check(net.cls_token.grad, (..., slice(0, embed)), 'cls_token')
    check(net.pos_embed.grad, (..., slice(0, embed)), 'pos_embed')
    for name, m in net.named_modules():
        if isinstance(m, SlimmableMultiheadSelfAttention):
            rows, cols = m._indices(width)
            qkv = torch.zeros(m.qkv.weight.shape, dtype=torch.bool)
            qkv[rows.unsqueeze(1), torch.arange(embed)] = True
            check(m.qkv.weight.grad, qkv, name + '.qkv')
            proj = torch.zeros(m.proj.weight.shape, dtype=torch.bool)
            proj[:embed, cols] = True
            check(m.proj.weight.grad, proj, name + '.proj')
        elif isinstance(m, (SlimmableLinear, SlimmableConv2d)):
            out_c, in_c = m.out_spec.at(width), m.in_spec.at(width)
            check(m.weight.grad, (slice(0, out_c), slice(0, in_c)), name)
            check(m.bias.grad, slice(0, out_c), name + '.bias')
        elif isinstance(m, SlicedLayerNorm):
            check(m.weight.grad, slice(0, embed), name)


@pytest.mark.parametrize('name, embed', [('us-vit-tiny', 192),
                                         ('us-vit-small', 384)])
def test_configs_build_universal_vits(name, embed):
    cfg = Config.fromfile(
        osp.join(osp.dirname(__file__), '../../../configs/backbones/',
                 name + '.py'))
    net = MODELS.build(cfg.model.backbone)
    assert net.width_space.universal
    assert (net.width_space.min, net.width_space.max) == (0.25, 1.0)
    assert net.feature_channels(1.0) == [embed]
    assert net.feature_channels(0.25) == [embed // 4]


def test_frozen_stages():
    net = build(widths=US3L_WIDTHS, frozen_stages=2)
    net.train()
    assert not net.cls_token.requires_grad
    assert not net.pos_embed.requires_grad
    assert not any(p.requires_grad for p in net.patch_embed.parameters())
    assert not any(p.requires_grad for p in net.layers.parameters())
    assert not any(p.requires_grad for p in net.ln1.parameters())
    partly = build(widths=US3L_WIDTHS, frozen_stages=1)
    assert all(p.requires_grad for p in partly.layers[1].parameters())
    with pytest.raises(ValueError, match='frozen_stages'):
        build(widths=US3L_WIDTHS, frozen_stages=3)
