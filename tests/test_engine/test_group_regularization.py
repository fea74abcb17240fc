"""US3L group regularization (Eq. 4-5) as per-channel weight decay."""
import pytest
import torch
import torch.nn as nn

from slimmm.engine.optimizers import (
    GroupRegularizationOptimWrapperConstructor, group_decay_factors,
    group_regularized_params)
from slimmm.models.ops import (ChannelSpec, SlicedBatchNorm2d, SlimmableConv2d,
                               SlimmableLinear, fixed_channels, set_width)


def test_factors_follow_eq5():
    # K = 16, G = 8 -> K_G = 2: channels (0,1) -> 1.0, (2,3) -> 0.95, ...
    factors = group_decay_factors(16, num_groups=8, alpha=0.05)
    expected = [1 - (k // 2) * 0.05 for k in range(16)]
    assert torch.allclose(factors, torch.tensor(expected, dtype=torch.float64))
    assert factors[-1].item() == pytest.approx(0.65)
    # K = 20: K_G = 2, leftover channels 16..19 join the last group (7).
    factors = group_decay_factors(20, 8, 0.05)
    assert factors[14:].tolist() == pytest.approx([0.65] * 6)
    assert factors[13].item() == pytest.approx(0.7)
    # Fewer channels than groups: one group per channel.
    assert group_decay_factors(3, 8, 0.05).tolist() == pytest.approx(
        [1.0, 0.95, 0.9])
    # alpha = 0 is plain L2 regularization.
    assert torch.all(group_decay_factors(64, 8, 0.0) == 1)
    with pytest.raises(ValueError, match='alpha'):
        group_decay_factors(16, 8, 0.2)


class _Net(nn.Module):
    """A tiny universally slimmable net with a fixed-width output head."""

    def __init__(self):
        super().__init__()
        spec = ChannelSpec(16)
        self.conv = SlimmableConv2d(fixed_channels(3), spec, 3, padding=1)
        self.bn = SlicedBatchNorm2d(spec, dict(type='BN'))
        self.fc = SlimmableLinear(spec, fixed_channels(5))

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return self.fc(x.mean((2, 3)))


def _build(model, **group_reg):
    constructor = GroupRegularizationOptimWrapperConstructor(
        dict(type='OptimWrapper',
             optimizer=dict(type='SGD', lr=0.1, momentum=0.9,
                            weight_decay=1e-2),
             group_reg=group_reg))
    return constructor(model)


def test_selected_parameters():
    model = _Net()
    params = {id(p) for p in group_regularized_params(model)}
    assert params == {id(model.conv.weight), id(model.conv.bias),
                      id(model.bn.weight), id(model.bn.bias)}
    # the classifier's output is fixed: ordinary weight decay
    assert id(model.fc.weight) not in params


def _seeded_net():
    torch.manual_seed(0)
    model = _Net()
    with torch.no_grad():  # non-trivial norm parameters
        model.bn.weight.uniform_(0.5, 1.5)
        model.bn.bias.uniform_(-0.5, 0.5)
    set_width(model, 0.5)
    return model


def test_one_sgd_step_equals_hand_computed_update():
    lr, wd = 0.1, 1e-2
    inputs = torch.randn(4, 3, 8, 8,
                         generator=torch.Generator().manual_seed(1))
    model = _seeded_net()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optim_wrapper = _build(model, num_groups=8, alpha=0.05)
    optim_wrapper.update_params(model(inputs).pow(2).mean())

    # The raw gradient from an identical twin, without any decay.
    twin = _seeded_net()
    twin(inputs).pow(2).mean().backward()
    factors = group_decay_factors(16, 8, 0.05).float()
    grouped = {'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias'}
    for name, param in twin.named_parameters():
        grad = param.grad if param.grad is not None else torch.zeros_like(
            param)
        coeff = wd * factors.view(-1, *([1] * (param.dim() - 1))) \
            if name in grouped else wd
        # first SGD step: momentum buffer = d_p = g + lambda_k * w
        expected = before[name] - lr * (grad + coeff * before[name])
        actual = dict(model.named_parameters())[name].detach()
        assert torch.allclose(actual, expected, atol=1e-7), name
    # Filter 15 is inactive at width 0.5 (no gradient): it only decays,
    # with the last group's coefficient 0.65 * lambda.
    assert torch.equal(twin.conv.weight.grad[8:],
                       torch.zeros_like(twin.conv.weight.grad[8:]))
    assert torch.allclose(model.conv.weight[15].detach(),
                          before['conv.weight'][15] * (1 - lr * wd * 0.65),
                          atol=1e-8)


def test_group_keys_survive_state_dict_roundtrip():
    model = _Net()
    optim_wrapper = _build(model)
    groups = optim_wrapper.optimizer.param_groups
    assert [g['weight_decay'] for g in groups] == [1e-2, 0.0]
    assert groups[1]['group_reg_decay'] == 1e-2
    state = optim_wrapper.state_dict()
    fresh = _build(_Net())
    fresh.load_state_dict(state)
    assert fresh.optimizer.param_groups[1]['group_reg_alpha'] == 0.05


def test_bad_config_is_rejected():
    with pytest.raises(ValueError, match='Unknown group_reg'):
        _build(_Net(), groups=8)
    plain = nn.Linear(3, 3)
    with pytest.raises(ValueError, match='no slimmable'):
        _build(plain)
