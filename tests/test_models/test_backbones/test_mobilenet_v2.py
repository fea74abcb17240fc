"""SlimmableMobileNetV2: shapes per width, static == slimmable == stock
mmpretrain MobileNetV2(widen_factor=w), gradients, universal mode + BN
calibration."""
import copy
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmpretrain.models import MobileNetV2
from mmpretrain.registry import MODELS

from slimmm.models import SlimmableMobileNetV2
from slimmm.models.ops import (SlicedBatchNorm2d, SlimmableConv2d,
                               SwitchableBatchNorm2d, calibrate_bn,
                               convert_to_static, make_divisible, using_width,
                               width_key)

DSPNET_WIDTHS = [1.0, 0.875, 0.75, 0.625, 0.5]
WIDTHS = DSPNET_WIDTHS + [0.25]
ALL_OUTPUTS = tuple(range(8))


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """These networks are tiny at 32x32; a second intra-op thread only adds
    synchronisation (100x slower when the CPU is shared)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build(**kwargs):
    cfg = dict(type='slimmm.SlimmableMobileNetV2', out_indices=ALL_OUTPUTS)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def randomize_bn(net: torch.nn.Module) -> None:
    """Non-trivial BN statistics and affine terms, so that an export that
    picked the wrong BN member or channels would show."""
    gen = torch.Generator().manual_seed(1)
    for m in net.modules():
        if isinstance(m, (torch.nn.BatchNorm2d, SlicedBatchNorm2d)):
            n = m.weight.numel()
            m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=gen) * 0.1)


def test_shapes_per_width_built_from_mmpretrain_registry():
    torch.manual_seed(0)
    net = build(widths=WIDTHS)
    assert type(net).__name__ == 'SlimmableMobileNetV2'
    x = torch.rand(2, 3, 32, 32)
    expected = {  # make_divisible(c * w, 8); the last conv stays 1280
        1.0: [16, 24, 32, 64, 96, 160, 320, 1280],
        0.5: [8, 16, 16, 32, 48, 80, 160, 1280],
        0.25: [8, 8, 8, 16, 24, 40, 80, 1280],
    }
    for w in WIDTHS:
        net.set_width(w)
        outs = net(x)
        channels = [o.shape[1] for o in outs]
        assert channels == net.feature_channels(w)
        assert channels[:7] == [
            make_divisible(c * w, 8) for _, c, _, _ in net.arch_settings
        ]
        if w in expected:
            assert channels == expected[w]
        assert [o.shape[-1] for o in outs] == [16, 8, 4, 2, 2, 1, 1, 1]


@torch.no_grad()
def test_static_and_stock_mobilenetv2_equal_slimmable_per_width():
    torch.manual_seed(0)
    net = build(widths=WIDTHS)
    randomize_bn(net)
    net.eval()
    x = torch.randn(2, 3, 32, 32)
    for w in WIDTHS:
        net.set_width(w)
        ref = net(x)
        static = build(widths=WIDTHS, width=w)
        static.load_slimmable_state_dict(net.state_dict())
        static.eval()
        stock = MODELS.build(net.plain_config(w))
        assert isinstance(stock, MobileNetV2) and stock.widen_factor == w
        stock.load_state_dict(static.state_dict(), strict=True)
        stock.eval()
        for a, b, c in zip(ref, static(x), stock(x)):
            assert (a - b).abs().max().item() <= 1e-5
            assert (a - c).abs().max().item() <= 1e-5
    # At 0.25 the stem (32 -> 8) and layer1 (16 -> 8) agree in channels, so
    # the stock network has a shortcut there that width 1.0 has not.
    assert net.layer1[0].residual_at(0.25)
    assert not net.layer1[0].residual_at(1.0)


def test_bad_width_and_arguments_raise():
    net = build(widths=DSPNET_WIDTHS)
    with pytest.raises(ValueError, match=r'0\.3.*\[1\.0, 0\.875, 0\.75'):
        net.set_width(0.3)
    with pytest.raises(ValueError, match='out_indices'):
        build(widths=DSPNET_WIDTHS, out_indices=(8, ))
    with pytest.raises(ValueError, match='frozen_stages'):
        build(widths=DSPNET_WIDTHS, frozen_stages=8)
    static = build(widths=DSPNET_WIDTHS, width=0.5)
    with pytest.raises(ValueError, match='static at width 0.5'):
        static.set_width(0.75)


def assert_only_active_slices_have_grads(net, width):
    for name, m in net.named_modules():
        if isinstance(m, SlimmableConv2d):
            in_c, out_c = m.active_channels(width)
            cols = 1 if m.depthwise else in_c
            grad = m.weight.grad
            assert grad is not None, name
            assert grad[:out_c, :cols].abs().sum() > 0, name
            rest = grad.clone()
            rest[:out_c, :cols] = 0
            assert rest.abs().sum() == 0, name
        elif isinstance(m, SwitchableBatchNorm2d):
            # The active member gets a gradient (it may be exactly zero: a
            # BN bias feeding a train-mode BN through a linear 1x1 conv is
            # cancelled by that BN's mean), the other widths' members none.
            for key, bn in m.norms.items():
                if key == width_key(width):
                    assert bn.weight.grad is not None, name
                    assert bn.bias.grad is not None, name
                else:
                    assert bn.weight.grad is None, f'{name}.{key}'


def test_backward_reaches_every_active_parameter():
    torch.manual_seed(0)
    net = build(widths=DSPNET_WIDTHS, out_indices=(7, ))
    net.train()
    net.set_width(0.625)
    out = net(torch.randn(2, 3, 32, 32))[0]
    (out * torch.randn_like(out)).sum().backward()
    assert_only_active_slices_have_grads(net, 0.625)


def test_universal_mode_bn_calibration_and_export():
    torch.manual_seed(0)
    net = build(width_range=(0.25, 1.0))
    net.train()
    for w in (1.0, 0.25, 0.7):  # statistics of a mixture of widths
        net.set_width(w)
        net(torch.randn(2, 3, 32, 32))
    width = 0.4
    batches = [torch.randn(4, 3, 32, 32) for _ in range(2)]
    assert calibrate_bn(net, batches, width, num_batches=2) == 2
    # After calibration the stem BN holds the exact mean of the stem conv
    # output at this width over the calibration batches.
    channels = make_divisible(32 * width, 8)
    with torch.no_grad(), using_width(net, width):
        means = [net.conv1.conv(b).mean(dim=(0, 2, 3)) for b in batches]
    torch.testing.assert_close(net.conv1.bn.running_mean[:channels],
                               torch.stack(means).mean(0), atol=1e-5,
                               rtol=1e-5)
    net.eval()
    net.set_width(width)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        ref = net(x)
        static = convert_to_static(copy.deepcopy(net), width)
        stock = MODELS.build(net.plain_config(width))
        stock.load_state_dict(static.state_dict(), strict=True)
        stock.eval()
        for a, b, c in zip(ref, static(x), stock(x)):
            assert (a - b).abs().max().item() <= 1e-5
            assert (a - c).abs().max().item() <= 1e-5


def test_frozen_stages_and_norm_eval():
    net = build(widths=[1.0, 0.5], frozen_stages=2, norm_eval=True)
    net.train()
    for module in (net.conv1, net.layer1, net.layer2):
        assert not module.training
        assert all(not p.requires_grad for p in module.parameters())
    assert all(p.requires_grad for p in net.layer3.parameters())
    assert not net.layer3[0].conv[0].bn.norms[width_key(1.0)].training


def test_config_builds_dspnet_widths():
    cfg = Config.fromfile(
        osp.join(osp.dirname(__file__), '../../../configs/backbones/'
                 'slimmable-mbv2_dspnet-widths.py'))
    net = MODELS.build(cfg.model.backbone)
    assert net.widths == DSPNET_WIDTHS
    assert net.feature_channels(0.5) == [1280]


def _us3l_mobilenet_v2_layers(width):
    """US3L's us_mobilenet_v2 rules, written out: every sliced layer keeps
    ``make_divisible(C * w / r, 8) * r`` channels (``r`` its expand ratio
    for the hidden layers, 1 elsewhere; divisor 8, minimum 1, never 10 %
    below), the last 1x1 keeps 1280, and a block has a shortcut when its
    stride is 1 and its full-width input and output channels are equal.
    Returns the output channels of every convolution in order and the
    shortcut of every block."""
    def rounded(channels, ratio=1):
        value = channels * width / ratio
        out = max(1, int(value + 4) // 8 * 8)
        return (out + 8 if out < 0.9 * value else out) * ratio

    convs, shortcuts = [rounded(32)], []
    inp = 32
    for t, c, n, s in SlimmableMobileNetV2.arch_settings:
        for i in range(n):
            if t != 1:
                convs.append(rounded(inp * t, t))
            convs += [rounded(inp * t, t), rounded(c)]
            shortcuts.append((s if i == 0 else 1) == 1 and inp == c)
            inp = c
    return convs + [1280], shortcuts


def test_universal_mode_has_us3ls_channels_and_shortcuts():
    """With residual_rule='full-width' every width of [0.25, 1] has the
    layers of US3L's us_mobilenet_v2; the default rule differs from it only
    in layer1's shortcut at widths up to 0.277 (kept for stock export)."""
    us3l = SlimmableMobileNetV2(width_range=(0.25, 1.0),
                                residual_rule='full-width').eval()
    default = SlimmableMobileNetV2(width_range=(0.25, 1.0)).eval()
    convs = [m for m in us3l.modules() if isinstance(m, nn.Conv2d)]
    blocks = [b for name in us3l.layers[:-1] for b in getattr(us3l, name)]
    x = torch.randn(1, 3, 32, 32)
    for width in [0.25 + 0.025 * i for i in range(31)]:
        seen = []
        hooks = [c.register_forward_hook(
            lambda m, i, o: seen.append(o.shape[1])) for c in convs]
        us3l.set_width(width)
        with torch.no_grad():
            us3l(x)
        for h in hooks:
            h.remove()
        expected_convs, expected_shortcuts = _us3l_mobilenet_v2_layers(width)
        assert seen == expected_convs, width
        assert [b.residual_at(width) for b in blocks] == expected_shortcuts
        differs = default.layer1[0].residual_at(width) != \
            expected_shortcuts[0]
        assert differs == (width <= 0.277), width
