"""Switchable and sliced BN on CUDA: under autocast, through
``convert_sync_batchnorm`` and back, and ``calibrate_bn``."""
import copy

import pytest
import torch
import torch.nn as nn
from cuda_helpers import WIDTHS
from mmengine.model import revert_sync_batchnorm

from slimmm.models import SlimmableResNet
from slimmm.models.ops import (SlicedBatchNorm2d, SwitchableBatchNorm2d,
                               calibrate_bn, using_width)

pytestmark = pytest.mark.cuda

SPACES = dict(switchable=dict(widths=WIDTHS),
              sliced=dict(width_range=(0.25, 1.0)))
# Largest |autocast - fp32| / max |fp32| accepted for a ResNet-18 output
# (bf16 keeps 8 mantissa bits, fp16 11).
TOLERANCE = {torch.bfloat16: 0.1, torch.float16: 0.02}
# 0.4 is a width only the universal (sliced BN) network has.
SPACE_WIDTHS = dict(switchable=WIDTHS, sliced=WIDTHS + [0.4])


def resnet(space: str, device) -> SlimmableResNet:
    torch.manual_seed(0)
    model = SlimmableResNet(18, out_indices=(3, ), **SPACES[space])
    for m in model.modules():  # statistics that differ from the init
        if isinstance(m, (nn.modules.batchnorm._BatchNorm,
                          SlicedBatchNorm2d)):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
    return model.to(device)


def eval_outputs(model, widths, x):
    model.eval()
    with torch.no_grad():
        return {w: _at(model, w, x) for w in widths}


def _at(model, width, x):
    with using_width(model, width):
        return model(x)[-1]


@pytest.mark.parametrize('space', sorted(SPACES))
@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_slimmable_bn_under_autocast(cuda, space, dtype):
    """Train-mode forward + backward at every width under autocast: half
    activations, fp32 BN statistics that stay finite and follow the fp32
    run, outputs close to fp32, finite gradients."""
    model = resnet(space, cuda).train()
    reference = copy.deepcopy(model)
    x = torch.randn(8, 3, 64, 64, device=cuda)
    for width in SPACE_WIDTHS[space]:
        with torch.autocast('cuda', dtype=dtype):
            out = _at(model, width, x)
        assert out.dtype == dtype
        want = _at(reference, width, x)
        out.float().square().mean().backward()
        error = (out.float() - want).abs().max() / want.abs().max()
        assert error < TOLERANCE[dtype], (space, width, float(error))
    for (name, got), want in zip(model.state_dict().items(),
                                 reference.state_dict().values()):
        if 'running_' in name:
            assert got.dtype == torch.float32, name
            torch.testing.assert_close(got, want, rtol=0.05, atol=0.05,
                                       msg=name)
    for name, param in model.named_parameters():
        if param.grad is not None:
            assert torch.isfinite(param.grad).all(), name


@pytest.mark.parametrize('space', sorted(SPACES))
def test_sync_bn_round_trip_on_cuda(cuda, space):
    """``convert_sync_batchnorm`` turns each switchable member into a
    SyncBN on the same device and leaves the sliced BN alone; mmengine's
    ``revert_sync_batchnorm`` turns them back; outputs (eval, and train on
    one process) are unchanged at every width."""
    model = resnet(space, cuda)
    x = torch.randn(4, 3, 64, 64, device=cuda)
    widths = SPACE_WIDTHS[space]
    before = eval_outputs(model, widths, x)
    keys = set(model.state_dict())
    synced = nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(model))
    syncs = [m for m in synced.modules() if isinstance(m, nn.SyncBatchNorm)]
    if space == 'switchable':
        members = [bn for m in synced.modules()
                   if isinstance(m, SwitchableBatchNorm2d)
                   for bn in m.norms.values()]
        assert members and all(isinstance(bn, nn.SyncBatchNorm)
                               for bn in members)
        assert all(bn.weight.device == members[0].weight.device ==
                   x.device for bn in members)
    else:
        assert not syncs
        assert any(isinstance(m, SlicedBatchNorm2d)
                   for m in synced.modules())
    assert set(synced.state_dict()) == keys
    for width, out in eval_outputs(synced, widths, x).items():
        torch.testing.assert_close(out, before[width], rtol=0, atol=0)
    # Train mode on one process: SyncBN computes plain batch statistics.
    synced.train()
    model.train()
    for width in widths:
        torch.testing.assert_close(_at(synced, width, x),
                                   _at(model, width, x), rtol=1e-5,
                                   atol=1e-5)
    reverted = revert_sync_batchnorm(synced)
    assert not any(isinstance(m, nn.SyncBatchNorm)
                   for m in reverted.modules())
    assert set(reverted.state_dict()) == keys
    assert all(t.device.type == cuda.type
               for t in reverted.state_dict().values())
    after = eval_outputs(model, widths, x)
    for width, out in eval_outputs(reverted, widths, x).items():
        torch.testing.assert_close(out, after[width], rtol=0, atol=0)


def test_calibrate_bn_on_cuda_equals_cpu(cuda):
    """BN calibration of the universal network on CUDA batches gives the
    statistics a CPU calibration of the same weights and batches gives,
    and leaves the model's mode as it was."""
    model = resnet('sliced', 'cpu')
    on_cuda = copy.deepcopy(model).to(cuda).eval()
    generator = torch.Generator().manual_seed(3)
    batches = [torch.randn(4, 3, 32, 32, generator=generator)
               for _ in range(3)]
    width = 0.4
    used = calibrate_bn(on_cuda, [b.to(cuda) for b in batches], width)
    calibrate_bn(model, batches, width)
    assert used == 3 and not on_cuda.training
    got = on_cuda.state_dict()
    compared = 0
    for name, want in model.state_dict().items():
        if 'running_' in name:
            torch.testing.assert_close(got[name].cpu(), want, rtol=1e-4,
                                       atol=1e-4, msg=name)
            compared += 1
    assert compared > 10
