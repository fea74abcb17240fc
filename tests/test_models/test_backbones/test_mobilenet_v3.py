"""SlimmableMobileNetV3: shapes per DSPNet width, SE squeeze rule, width
1.0 == stock mmpretrain MobileNetV3 (params, keys, outputs), static ==
slimmable, gradients."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.models import MobileNetV3
from mmpretrain.registry import MODELS

from slimmm.models.ops import (SlimmableConv2d, SwitchableBatchNorm2d,
                               convert_to_static, make_divisible, width_key)

DSPNET_WIDTHS = [1.0, 0.875, 0.75, 0.625, 0.5]


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """These networks are tiny at 32x32; a second intra-op thread only adds
    synchronisation (100x slower when the CPU is shared)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build(**kwargs):
    cfg = dict(type='slimmm.SlimmableMobileNetV3', arch='large')
    cfg.update(kwargs)
    return MODELS.build(cfg)


def randomize_bn(net: torch.nn.Module) -> None:
    gen = torch.Generator().manual_seed(1)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.weight.numel()
            m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=gen) * 0.1)


def num_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_shapes_per_dspnet_width():
    torch.manual_seed(0)
    out_indices = (0, 3, 6, 12, 16)
    net = build(widths=DSPNET_WIDTHS, out_indices=out_indices)
    x = torch.rand(2, 3, 32, 32)
    for w in DSPNET_WIDTHS:
        net.set_width(w)
        outs = net(x)
        channels = [o.shape[1] for o in outs]
        # stem 16, layer3 out 24, layer6 out 40, layer12 out 112, last 960
        assert channels == [
            make_divisible(c * w, 8) for c in (16, 24, 40, 112, 960)
        ]
        assert channels == net.feature_channels(w)
        assert [o.shape[-1] for o in outs] == [16, 8, 4, 2, 1]
    assert net.feature_channels(0.5) == [8, 16, 24, 56, 480]


def test_se_squeeze_follows_width():
    net = build(widths=DSPNET_WIDTHS)
    for w in DSPNET_WIDTHS:
        for i, (_, mid, _, with_se, _, _) in enumerate(
                net.arch_settings['large']):
            if not with_se:
                assert not hasattr(getattr(net, f'layer{i + 1}'), 'se')
                continue
            se = getattr(net, f'layer{i + 1}').se
            hidden = make_divisible(mid * w, 8)
            assert se.conv1.conv.active_channels(w) == (
                hidden, make_divisible(hidden // 4, 8))
            assert se.conv2.conv.active_channels(w)[1] == hidden
    # layer4 (72 hidden): 0.5 -> 40 hidden; 40 // 4 = 10 -> 16 squeeze
    assert net.layer4.se.conv1.conv.active_channels(0.5) == (40, 16)


@pytest.mark.parametrize('arch, params', [('large', 2971952),
                                          ('small', 927008)])
@torch.no_grad()
def test_width_1_equals_stock_mobilenetv3(arch, params):
    torch.manual_seed(0)
    net = build(arch=arch, widths=DSPNET_WIDTHS)
    randomize_bn(net)
    net.eval()
    static = convert_to_static(copy.deepcopy(net), 1.0)
    stock = MODELS.build(net.plain_config(1.0))
    assert isinstance(stock, MobileNetV3)
    assert num_params(static) == num_params(stock) == params
    stock.load_state_dict(static.state_dict(), strict=True)
    stock.eval()
    x = torch.randn(2, 3, 32, 32)
    ref = net(x)
    assert (ref[0] - stock(x)[0]).abs().max().item() <= 1e-5
    assert net.plain_config(0.75) is None


@torch.no_grad()
def test_static_equals_slimmable_per_width():
    torch.manual_seed(0)
    net = build(widths=DSPNET_WIDTHS, out_indices=(6, 16))
    randomize_bn(net)
    net.eval()
    x = torch.randn(2, 3, 32, 32)
    params = []
    for w in DSPNET_WIDTHS:
        net.set_width(w)
        ref = net(x)
        static = build(widths=DSPNET_WIDTHS, out_indices=(6, 16), width=w)
        static.load_slimmable_state_dict(net.state_dict())
        static.eval()
        for a, b in zip(ref, static(x)):
            assert a.shape == b.shape
            assert (a - b).abs().max().item() <= 1e-5
        params.append(num_params(static))
    assert params == sorted(params, reverse=True)


def test_bad_width_and_arguments_raise():
    net = build(widths=DSPNET_WIDTHS)
    with pytest.raises(ValueError, match=r'0\.6.*\[1\.0, 0\.875'):
        net.set_width(0.6)
    with pytest.raises(KeyError, match='large'):
        build(arch='medium', widths=DSPNET_WIDTHS)
    with pytest.raises(ValueError, match='out_indices'):
        build(widths=DSPNET_WIDTHS, out_indices=(17, ))


def test_backward_reaches_every_active_parameter():
    torch.manual_seed(0)
    net = build(widths=DSPNET_WIDTHS)
    net.train()
    width = 0.75
    net.set_width(width)
    out = net(torch.randn(2, 3, 32, 32))[0]
    (out * torch.randn_like(out)).sum().backward()
    for name, m in net.named_modules():
        if isinstance(m, SlimmableConv2d):
            in_c, out_c = m.active_channels(width)
            cols = 1 if m.depthwise else in_c
            assert m.weight.grad[:out_c, :cols].abs().sum() > 0, name
            rest = m.weight.grad.clone()
            rest[:out_c, :cols] = 0
            assert rest.abs().sum() == 0, name
            if m.bias is not None:  # SE convs
                assert m.bias.grad[out_c:].abs().sum() == 0, name
        elif isinstance(m, SwitchableBatchNorm2d):
            for key, bn in m.norms.items():
                assert (bn.weight.grad is not None) == (
                    key == width_key(width)), f'{name}.{key}'


def test_universal_range_runs_and_exports():
    torch.manual_seed(0)
    net = build(width_range=(0.5, 1.0))
    net.eval()
    net.set_width(0.55)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        ref = net(x)[0]
        static = convert_to_static(copy.deepcopy(net), 0.55)
        assert ref.shape[1] == make_divisible(960 * 0.55, 8) == 528
        assert (static(x)[0] - ref).abs().max().item() <= 1e-5


def test_config_builds_dspnet_widths():
    cfg = Config.fromfile(
        osp.join(osp.dirname(__file__), '../../../configs/backbones/'
                 'slimmable-mbv3-large_dspnet-widths.py'))
    net = MODELS.build(cfg.model.backbone)
    assert net.arch == 'large' and net.widths == DSPNET_WIDTHS
    assert net.feature_channels(0.625) == [600]


def test_frozen_stages():
    net = build(widths=DSPNET_WIDTHS, frozen_stages=3)
    net.train()
    for i in range(4):
        layer = getattr(net, f'layer{i}')
        assert not layer.training
        assert not any(p.requires_grad for p in layer.parameters())
    assert net.layer4.training
    assert all(p.requires_grad for p in net.layer4.parameters())
