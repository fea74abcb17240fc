"""Gradient comparisons shared by the per-sub-network backward tests."""
from typing import Dict

import torch
import torch.nn as nn


def grads_of(model: nn.Module) -> Dict[str, torch.Tensor]:
    return {name: p.grad.clone() for name, p in model.named_parameters()
            if p.grad is not None}


def assert_grads_close(actual: Dict[str, torch.Tensor],
                       expected: Dict[str, torch.Tensor],
                       rel: float = 1e-4, what: str = '') -> None:
    """The same names (parameters with gradients, or parameters), each
    tensor equal up to float summation order (max error relative to its
    largest entry)."""
    assert set(actual) == set(expected), what
    for name, value in expected.items():
        scale = value.abs().max().clamp(min=1e-12)
        error = float((actual[name] - value).abs().max() / scale)
        assert error < rel, (what, name, error)
