"""Switchable BN (one member per width) and sliced BN (US-Nets)."""
import pytest
import torch
import torch.nn as nn

from slimmm.models.ops import (ChannelSpec, SlicedBatchNorm2d,
                               SwitchableBatchNorm2d, set_width)

WIDTHS = [1.0, 0.75, 0.5, 0.25]


def test_switchable_bn_uses_the_member_of_the_current_width():
    torch.manual_seed(0)
    bn = SwitchableBatchNorm2d(ChannelSpec(16), WIDTHS,
                               dict(type='BN', requires_grad=True))
    assert list(bn.norms.keys()) == ['1', '0_75', '0_5', '0_25']
    assert [m.num_features for m in bn.norms.values()] == [16, 12, 8, 4]
    x = torch.randn(4, 8, 5, 5) * 3 + 2
    set_width(bn, 0.5)
    bn.train()
    bn(x)
    expected_mean = 0.1 * x.mean(dim=(0, 2, 3))
    torch.testing.assert_close(bn.norms['0_5'].running_mean, expected_mean)
    for key in ('1', '0_75', '0_25'):  # the other widths keep theirs
        assert bn.norms[key].running_mean.abs().sum() == 0
        assert bn.norms[key].num_batches_tracked == 0
    bn.eval()
    torch.testing.assert_close(bn(x), bn.norms['0_5'](x))
    with pytest.raises(ValueError, match='0_5'):
        bn.member(0.6)
    static = bn.to_static(0.5)
    assert isinstance(static, nn.BatchNorm2d) and static.num_features == 8


def test_sliced_bn_updates_only_the_sliced_statistics():
    torch.manual_seed(0)
    bn = SlicedBatchNorm2d(ChannelSpec(16), dict(type='BN'))
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 2)
    before_mean = bn.running_mean.clone()
    before_var = bn.running_var.clone()
    set_width(bn, 0.25)
    x = torch.randn(8, 4, 6, 6) * 2 + 1
    reference = nn.BatchNorm2d(4)
    reference.load_state_dict({
        'weight': bn.weight[:4], 'bias': bn.bias[:4],
        'running_mean': before_mean[:4], 'running_var': before_var[:4],
        'num_batches_tracked': torch.tensor(0)})
    bn.train()
    reference.train()
    torch.testing.assert_close(bn(x), reference(x))
    torch.testing.assert_close(bn.running_mean[:4], reference.running_mean)
    torch.testing.assert_close(bn.running_var[:4], reference.running_var)
    assert torch.equal(bn.running_mean[4:], before_mean[4:])
    assert torch.equal(bn.running_var[4:], before_var[4:])
    bn.eval()
    reference.eval()
    torch.testing.assert_close(bn(x), reference(x))
    static = bn.to_static(0.25).eval()
    torch.testing.assert_close(static(x), reference(x))
    assert set(bn.state_dict()) == set(nn.BatchNorm2d(16).state_dict())


def test_sliced_bn_rejects_other_norm_types():
    with pytest.raises(ValueError, match='BN or SyncBN'):
        SlicedBatchNorm2d(ChannelSpec(8), dict(type='GN', num_groups=2))
