"""Switchable and sliced BN survive torch's ``convert_sync_batchnorm`` and
mmengine's ``revert_sync_batchnorm`` (what the Runner does under DDP and on
one process) with per-width outputs unchanged."""
import pytest
import torch
import torch.nn as nn
from mmengine.model import revert_sync_batchnorm

from slimmm.models import SlimmableResNet
from slimmm.models.ops import (SlicedBatchNorm2d, SwitchableBatchNorm2d,
                               using_width)


def randomize_bn(model):
    for m in model.modules():
        if isinstance(m, (nn.modules.batchnorm._BatchNorm,
                          SlicedBatchNorm2d)):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)


def outputs(model, widths, x):
    model.eval()
    result = {}
    with torch.no_grad():
        for w in widths:
            with using_width(model, w):
                result[w] = model(x)[-1]
    return result


@pytest.mark.parametrize('space', [dict(widths=[1.0, 0.75, 0.5, 0.25]),
                                   dict(width_range=(0.25, 1.0))])
def test_sync_bn_round_trip_keeps_outputs(space):
    torch.manual_seed(0)
    # A thin, shallow ResNet-18 keeps this fast; the BN layout is the same.
    model = SlimmableResNet(18, stem_channels=16, base_channels=16,
                            stage_blocks=(1, 1, 1, 1), **space)
    randomize_bn(model)
    x = torch.randn(2, 3, 32, 32)
    widths = [1.0, 0.75, 0.5, 0.25, 0.4][:5 if 'width_range' in space else 4]
    before = outputs(model, widths, x)
    keys = set(model.state_dict())

    synced = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    if 'widths' in space:
        switchable = [m for m in synced.modules()
                      if isinstance(m, SwitchableBatchNorm2d)]
        assert switchable and all(
            isinstance(bn, nn.SyncBatchNorm) for s in switchable
            for bn in s.norms.values())
    else:  # sliced BN is not a _BatchNorm: the conversion must skip it
        assert not any(isinstance(m, nn.SyncBatchNorm)
                       for m in synced.modules())
    assert set(synced.state_dict()) == keys
    for w, out in outputs(synced, widths, x).items():
        torch.testing.assert_close(out, before[w], rtol=0, atol=0)

    reverted = revert_sync_batchnorm(synced)
    assert not any(isinstance(m, nn.SyncBatchNorm)
                   for m in reverted.modules())
    assert set(reverted.state_dict()) == keys
    for w, out in outputs(reverted, widths, x).items():
        torch.testing.assert_close(out, before[w], rtol=0, atol=0)
