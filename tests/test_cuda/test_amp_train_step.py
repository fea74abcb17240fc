"""SlimCLR-MoCov3's per-width-backward ``train_step`` under mmengine's
``AmpOptimWrapper`` on CUDA: bf16, and fp16 with a dynamic loss scale."""
import copy
import math

import pytest
import torch
from cuda_helpers import WIDTHS, build_mocov3, image_batch

pytestmark = pytest.mark.cuda


@pytest.mark.parametrize('dtype', ['bfloat16', 'float16'])
def test_mocov3_amp_train_step_every_width(cuda, dtype):
    """Three AMP steps with every width sampled: every logged loss term
    finite at every width, no step skipped by the loss scale but possibly
    the first, every width's BN member updated, BN statistics finite and
    kept in fp32."""
    from mmengine.optim import AmpOptimWrapper
    model = build_mocov3(cuda)
    before = copy.deepcopy(model.state_dict())
    optim_wrapper = AmpOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
        dtype=dtype, loss_scale='dynamic')
    scales, skipped = [], []
    for step in range(3):
        scale = optim_wrapper.loss_scaler.get_scale()
        log_vars = model.train_step(image_batch(16, 64, seed=step),
                                    optim_wrapper)
        # A dynamic scaler halves its scale when it skips a step with
        # non-finite gradients (fp16 overflow).
        if optim_wrapper.loss_scaler.get_scale() < scale:
            skipped.append(step)
        scales.append(optim_wrapper.loss_scaler.get_scale())
        assert sorted(float(log_vars[f'sampled_{i}'])
                      for i in range(len(WIDTHS))) == sorted(WIDTHS)
        terms = {k: v for k, v in log_vars.items()
                 if k == 'loss' or k.endswith(('_infonce', '_distill'))}
        assert len(terms) == 1 + 4 + 3, sorted(terms)
        bad = {k: v for k, v in terms.items() if not math.isfinite(v)}
        assert not bad, f'{dtype} step {step}: non-finite terms {bad}'
    # Skipping the first step is how the scale (2^16 at first) finds its
    # level; a later skip is an overflow.
    assert not [s for s in skipped if s > 0], (dtype, skipped, scales)
    after = model.state_dict()
    # One BN member per width deep in the backbone: each must have moved.
    members = {_member_width(name): name for name in after
               if name.startswith('backbone.layer4.1.bn2.norms.')
               and name.endswith('.weight')}
    assert sorted(members) == sorted(WIDTHS)
    for width, name in members.items():
        assert not torch.equal(after[name], before[name]), (dtype, width)
    for name, value in after.items():
        if 'running_' in name:
            assert value.dtype == torch.float32, name
            assert torch.isfinite(value).all(), name
        elif value.is_floating_point():
            assert torch.isfinite(value).all(), name


def _member_width(key: str) -> float:
    """``...norms.0_75.weight`` -> 0.75."""
    return float(key.split('.norms.')[1].split('.')[0].replace('_', '.'))
