"""The width -> channels rule (ResNet int(c * w), MobileNet divisible)."""
import pytest
from mmpretrain.models.utils import make_divisible as mmpretrain_divisible

from slimmm.models.ops import ChannelSpec, make_divisible, scale_channels


@pytest.mark.parametrize('width, expected', [(1.0, 64), (0.75, 48),
                                             (0.5, 32), (0.25, 16),
                                             (0.3, 19)])
def test_resnet_rule_is_int_c_times_w(width, expected):
    assert scale_channels(64, width) == expected


def test_float_slack_keeps_exact_ratios():
    # 96 * (80 / 96) is 79.99999999999999 in binary; the rule must give 80.
    assert scale_channels(96, 80 / 96) == 80
    assert scale_channels(3, 0.01) == 1  # never zero channels


def test_make_divisible_matches_mmpretrain():
    for channels in (16, 24, 32, 64, 96, 160, 320, 1280):
        for width in (1.0, 0.75, 0.5, 0.35, 0.25):
            ours = make_divisible(channels * width, 8)
            assert ours == mmpretrain_divisible(channels * width, 8), \
                (channels, width)
            assert scale_channels(channels, width, divisor=8) == ours


def test_channel_spec_factor_follows_stock_stage_rule():
    # ResNet-50 stage 3 at width 0.75: int(64 * 0.75) * 4 * 2**2.
    spec = ChannelSpec(64, factor=4 * 2**2)
    assert spec.at(0.75) == 48 * 16
    assert spec.max == 1024
    assert spec.times(0.25).at(0.5) == 32 * 4
    fixed = ChannelSpec(3, fixed=True)
    assert fixed.at(0.25) == 3
