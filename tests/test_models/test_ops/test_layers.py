"""Slimmable conv / linear equal plain layers holding the sliced weights."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from slimmm.models.ops import (ChannelSpec, SlimmableConv2d, SlimmableLinear,
                               fixed_channels, set_width)


@pytest.mark.parametrize('width', [1.0, 0.75, 0.5, 0.25])
def test_conv_slicing_equals_plain_conv(width):
    torch.manual_seed(0)
    conv = SlimmableConv2d(ChannelSpec(16), ChannelSpec(32), 3, stride=2,
                           padding=1, bias=True)
    in_ch, out_ch = int(16 * width), int(32 * width)
    x = torch.randn(2, in_ch, 9, 9)
    set_width(conv, width)
    expected = F.conv2d(x, conv.weight[:out_ch, :in_ch], conv.bias[:out_ch],
                        stride=2, padding=1)
    out = conv(x)
    assert out.shape == (2, out_ch, 5, 5)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)
    static = conv.to_static(width)
    assert type(static) is nn.Conv2d
    assert static.weight.shape == (out_ch, in_ch, 3, 3)
    torch.testing.assert_close(static(x), expected, rtol=0, atol=1e-6)


def test_conv_gradient_reaches_only_the_active_slice():
    conv = SlimmableConv2d(ChannelSpec(8), ChannelSpec(8), 1, bias=False)
    set_width(conv, 0.5)
    conv(torch.randn(1, 4, 3, 3)).sum().backward()
    assert conv.weight.grad[:4, :4].abs().sum() > 0
    assert conv.weight.grad[4:].abs().sum() == 0
    assert conv.weight.grad[:, 4:].abs().sum() == 0


def test_depthwise_conv_keeps_one_group_per_channel():
    torch.manual_seed(0)
    spec = ChannelSpec(32, divisor=8)
    conv = SlimmableConv2d(spec, spec, 3, depthwise=True, padding=1,
                           bias=False)
    set_width(conv, 0.5)
    x = torch.randn(1, 16, 6, 6)
    expected = F.conv2d(x, conv.weight[:16], padding=1, groups=16)
    torch.testing.assert_close(conv(x), expected, rtol=0, atol=1e-6)
    assert conv.to_static(0.5).groups == 16
    with pytest.raises(ValueError, match='depthwise'):
        SlimmableConv2d(ChannelSpec(8), ChannelSpec(16), 3, depthwise=True)


@pytest.mark.parametrize('width', [1.0, 0.5, 0.25])
def test_linear_slicing_equals_plain_linear(width):
    torch.manual_seed(0)
    fc = SlimmableLinear(ChannelSpec(64), fixed_channels(10))
    set_width(fc, width)
    x = torch.randn(3, int(64 * width))
    expected = x @ fc.weight[:, :int(64 * width)].t() + fc.bias
    torch.testing.assert_close(fc(x), expected, rtol=0, atol=1e-5)
    static = fc.to_static(width)
    assert (static.in_features, static.out_features) == (int(64 * width),
                                                         10)
    torch.testing.assert_close(static(x), expected, rtol=0, atol=1e-5)
