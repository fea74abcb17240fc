"""BYOL's prediction loss as used by DSPNet, as a pure function.

Wang et al., "DSPNet: Towards Slimmable Pretrained Networks based on
Discriminative Self-supervised Learning", section 4, Eq. 4-5 (BYOL's Eq. 2
applied to each sampled online sub-network).
"""
import torch
import torch.nn.functional as F


def normalized_mse(prediction: torch.Tensor,
                   target: torch.Tensor) -> torch.Tensor:
    """``||q/|q| - z'/|z'|||^2`` (DSPNet Eq. 4), batch mean; the target
    (the momentum network's projection) is detached."""
    prediction = F.normalize(prediction, dim=1)
    target = F.normalize(target.detach(), dim=1)
    return (prediction - target).pow(2).sum(dim=1).mean()


def symmetric_prediction_loss(p1: torch.Tensor, p2: torch.Tensor,
                              z1: torch.Tensor,
                              z2: torch.Tensor) -> torch.Tensor:
    """One sub-network's term of Eq. 5, symmetrised over the views:
    ``L(p(v), z'(v')) + L(p(v'), z'(v))``."""
    return normalized_mse(p1, z2) + normalized_mse(p2, z1)
