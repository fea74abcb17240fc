"""An exported width, loaded into the stock mmpretrain ResNet on CUDA,
computes what the slimmable network computes at that width.

Tolerance: max |exported - slimmable| <= 1e-5 x max |slimmable| per
output, in full fp32 (TF32 off, the ``cuda`` fixture). The two networks
run the same arithmetic on the same values, but cuDNN may pick different
convolution algorithms for a sliced (strided) and a dense weight, whose
fp32 rounding differs by ~1e-6 relative per layer.
"""
import pytest
import torch
import torch.nn as nn

from slimmm.analysis.speed import max_relative_difference
from slimmm.models import SlimmableResNet
from slimmm.models.export import export_width
from slimmm.models.ops import SlicedBatchNorm2d, using_width

pytestmark = pytest.mark.cuda

RELATIVE_TOLERANCE = 1e-5


@pytest.mark.parametrize('space', [dict(widths=[1.0, 0.75, 0.5, 0.25]),
                                   dict(width_range=(0.25, 1.0))])
def test_exported_width_equals_slimmable_on_cuda(cuda, space):
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    slimmable = SlimmableResNet(50, out_indices=(0, 1, 2, 3), **space)
    for m in slimmable.modules():
        if isinstance(m, (nn.modules.batchnorm._BatchNorm,
                          SlicedBatchNorm2d)):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.running_var.uniform_(0.5, 1.5)
    slimmable = slimmable.to(cuda).eval()
    x = torch.randn(4, 3, 224, 224, device=cuda)
    widths = [1.0, 0.75, 0.5, 0.25] + ([0.4] if 'width_range' in space
                                       else [])
    for width in widths:
        exported = export_width(slimmable, width)
        plain_cfg = exported['meta']['plain_config']
        assert plain_cfg is not None, width
        plain = MODELS.build(dict(plain_cfg, out_indices=(0, 1, 2, 3)))
        plain.load_state_dict(exported['state_dict'], strict=True)
        # (mmpretrain's ResNet.train returns None: no chained .eval())
        plain.to(cuda)
        with using_width(slimmable, width):
            error = max_relative_difference(slimmable, plain, x)
        assert error <= RELATIVE_TOLERANCE, (width, error)
