"""SlimmableMLPNeck exported at a width (``convert_to_static``) is the neck
at that width: switchable BN1d members and the universal sliced BN alike."""
import copy

import pytest
import torch
import torch.nn as nn

from slimmm.models.necks import SlimmableMLPNeck
from slimmm.models.ops import ChannelSpec, convert_to_static, set_width


@pytest.mark.parametrize('space, width', [
    (dict(widths=[1.0, 0.5]), 0.5),
    (dict(width_range=(0.25, 1.0)), 0.625),
])
def test_exported_neck_equals_the_neck_at_that_width(space, width):
    torch.manual_seed(0)
    neck = SlimmableMLPNeck(ChannelSpec(32), hid_channels=16, out_channels=8,
                            num_layers=3, slim_hidden=True, with_bn=True,
                            with_last_bn=True, **space)
    set_width(neck, width)
    static = convert_to_static(copy.deepcopy(neck), width)
    norms = [m for m in static.modules() if isinstance(m, nn.BatchNorm1d)]
    assert len(norms) == 3  # 2 hidden + last, all 1-D after export
    assert [m.num_features for m in norms] == [int(16 * width)] * 2 + [8]
    x = torch.randn(6, int(32 * width))
    # Training mode: batch statistics and the running-stat update agree.
    assert torch.allclose(static(x)[0], neck(x)[0], atol=1e-6)
    neck.eval()
    static.eval()
    assert torch.allclose(static(x)[0], neck(x)[0], atol=1e-6)
