"""``calibrate_bn`` gives the cumulative mean / unbiased variance of the BN
inputs over the calibration batches (US-Nets' BN calibration)."""
import pytest
import torch
import torch.nn as nn

from slimmm.models.ops import (ChannelSpec, SlicedBatchNorm2d, SlimmableConv2d,
                               SwitchableBatchNorm2d, calibrate_bn,
                               fixed_channels, get_width, set_width)


class ConvBN(nn.Module):

    def __init__(self, norm):
        super().__init__()
        self.conv = SlimmableConv2d(fixed_channels(3), ChannelSpec(8), 3,
                                    padding=1, bias=False)
        self.bn = norm(ChannelSpec(8))

    def forward(self, x):
        return self.bn(self.conv(x))


def hand_statistics(model, batches, width):
    """Per-batch channel mean and unbiased variance of the BN input,
    averaged over the batches."""
    with torch.no_grad():
        feats = [model.conv(b) for b in batches]
    means = torch.stack([f.mean(dim=(0, 2, 3)) for f in feats])
    variances = torch.stack([
        f.transpose(0, 1).flatten(1).var(dim=1, unbiased=True) for f in feats
    ])
    return means.mean(0), variances.mean(0)


@pytest.mark.parametrize('universal', [False, True])
def test_calibrate_bn_is_the_cumulative_average(universal):
    torch.manual_seed(0)
    if universal:
        model = ConvBN(lambda s: SlicedBatchNorm2d(s, dict(type='BN')))
    else:
        model = ConvBN(lambda s: SwitchableBatchNorm2d(
            s, [1.0, 0.5], dict(type='BN', momentum=0.1)))
    model.eval()
    set_width(model, 1.0)
    # Batches of different scale so that an EMA would not equal the average.
    batches = [torch.randn(4, 3, 6, 6) * (i + 1) + i for i in range(5)]
    used = calibrate_bn(model, batches, width=0.5, num_batches=4)
    assert used == 4
    # Model state is restored: width, eval mode, BN momentum.
    assert get_width(model) == 1.0 and not model.training
    set_width(model, 0.5)
    mean4, var4 = hand_statistics(model, batches[:4], 0.5)
    mean5, _ = hand_statistics(model, batches, 0.5)
    bn = model.bn if universal else model.bn.norms['0_5']
    torch.testing.assert_close(bn.running_mean[:4], mean4)
    torch.testing.assert_close(bn.running_var[:4], var4)
    assert not torch.allclose(mean4, mean5)  # the 5th batch was not used
    assert (bn.momentum == 0.1)
    if not universal:  # the other width's BN is untouched
        assert model.bn.norms['1'].num_batches_tracked == 0


def test_calibrate_bn_without_batches_raises():
    model = ConvBN(lambda s: SlicedBatchNorm2d(s, dict(type='BN')))
    with pytest.raises(ValueError, match='no batch'):
        calibrate_bn(model, [], width=0.5)
