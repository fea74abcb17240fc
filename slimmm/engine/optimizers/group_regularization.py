"""US3L group regularization: weight decay that shrinks channel group by
channel group (Three Guidelines You Should Know for Universally Slimmable
Self-Supervised Learning, CVPR 2023, section 3.2.3, Eq. 4-5).

In a universally slimmable layer channel ``k`` is used whenever any later
channel is, so earlier channels are trained far more often and the weights
concentrate there. US3L gives the later channels more freedom: the ``K``
output channels of a layer are split, in order, into ``G`` groups of
``K_G = floor(K / G)`` channels and channel ``k`` gets the coefficient

    L_GReg = sum_k lambda_k ||w_k||^2                            (Eq. 4)
    lambda_k = lambda * (1 - floor(k / K_G) * alpha)             (Eq. 5)

with ``G = 8`` and ``alpha = 0.05``; ``alpha = 0`` is plain weight decay.
We read ``lambda`` as the optimizer's ``weight_decay`` (the paper: "when
alpha = 0, group regularization degenerates into the standard L2
regularization"), i.e. the gradient of the term is ``lambda_k * w_k``.
Channels are counted from 0, so the groups have exactly ``K_G`` channels
as the text says; the ``K - G * K_G`` leftover channels (when ``G`` does not
divide ``K``) join the last group, and a layer with fewer channels than
groups has one group per channel (``K_G = 1``, groups capped at ``G - 1``).

Which parameters: those whose first dimension indexes the slimmable output
channels of a layer: weights and biases of :class:`SlimmableConv2d` /
:class:`SlimmableLinear` whose output follows the width, and the affine
parameters of :class:`SlicedBatchNorm2d` / :class:`SlicedLayerNorm`.
Fixed-width outputs (a projector's last layer, a classifier) and the
per-width private BNs of :class:`SwitchableBatchNorm2d` (not shared across
widths, so the frequency argument does not apply) keep plain weight decay.

Why not one param group per coefficient: ``weight_decay`` is a scalar per
param group while ``lambda_k`` varies *within* a tensor. The constructor
therefore moves the grouped parameters into param groups with
``weight_decay=0`` and registers an optimizer step pre-hook that adds
``lambda_k * w_k`` to their gradients. The hook runs inside
``optimizer.step()``, i.e. after AMP's gradient unscaling and after
gradient clipping, exactly where SGD applies its own weight decay, so for
SGD the update is identical to a per-channel ``weight_decay``.
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper

from slimmm.models.ops import (SlicedBatchNorm2d, SlicedLayerNorm,
                               SlimmableConv2d, SlimmableLinear)
from slimmm.registry import OPTIM_WRAPPER_CONSTRUCTORS

#: Param-group keys written by the constructor (they survive an optimizer
#: ``state_dict`` round trip, so resumed runs keep the regularization).
DECAY_KEY = 'group_reg_decay'
GROUPS_KEY = 'group_reg_num_groups'
ALPHA_KEY = 'group_reg_alpha'


def group_decay_factors(num_channels: int, num_groups: int = 8,
                        alpha: float = 0.05) -> torch.Tensor:
    """``1 - floor(k / K_G) * alpha`` for ``k = 0 .. K - 1`` (Eq. 5 without
    ``lambda``).

    Args:
        num_channels (int): ``K``, the layer's channels at full width.
        num_groups (int): ``G``.
        alpha (float): Decay step between consecutive groups.

    Returns:
        torch.Tensor: ``K`` factors (float64), non-increasing.
    """
    if num_channels < 1 or num_groups < 1:
        raise ValueError('group regularization needs num_channels >= 1 and '
                         f'num_groups >= 1, got {num_channels} and '
                         f'{num_groups}.')
    if alpha * (num_groups - 1) >= 1:
        raise ValueError(
            f'alpha={alpha} with num_groups={num_groups} gives the last '
            f'group a factor 1 - {alpha * (num_groups - 1):g} <= 0; use '
            'alpha * (num_groups - 1) < 1.')
    group_size = max(1, num_channels // num_groups)
    group = torch.div(torch.arange(num_channels), group_size,
                      rounding_mode='floor').clamp(max=num_groups - 1)
    return 1.0 - group.to(torch.float64) * alpha


def group_regularized_params(model: nn.Module) -> List[nn.Parameter]:
    """Parameters of ``model`` whose dimension 0 indexes slimmable output
    channels (see the module docstring)."""
    params = []
    for module in model.modules():
        if isinstance(module, (SlimmableConv2d, SlimmableLinear)):
            if module.out_spec.fixed:
                continue
            candidates = (module.weight, module.bias)
        elif isinstance(module, (SlicedBatchNorm2d, SlicedLayerNorm)):
            candidates = (module.weight, module.bias)
        else:
            continue
        params.extend(p for p in candidates
                      if p is not None and p.requires_grad)
    return params


class _GroupDecay:
    """Optimizer step pre-hook adding ``lambda_k * w_k`` to the gradients of
    the param groups marked with :data:`DECAY_KEY`."""

    def __init__(self):
        self._factors: Dict[Tuple, torch.Tensor] = {}

    def factors(self, param: torch.Tensor, num_groups: int,
                alpha: float) -> torch.Tensor:
        key = (param.shape[0], num_groups, alpha, param.device, param.dtype)
        if key not in self._factors:
            self._factors[key] = group_decay_factors(
                param.shape[0], num_groups, alpha).to(param.device,
                                                      param.dtype)
        # Broadcast over the remaining (input / kernel) dimensions.
        return self._factors[key].view(-1, *([1] * (param.dim() - 1)))

    @torch.no_grad()
    def __call__(self, optimizer: torch.optim.Optimizer, args, kwargs):
        for group in optimizer.param_groups:
            decay = group.get(DECAY_KEY, 0.0)
            if not decay:
                continue
            for param in group['params']:
                if param.grad is None:
                    continue
                factors = self.factors(param, group[GROUPS_KEY],
                                       group[ALPHA_KEY])
                param.grad.add_(param * factors, alpha=decay)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class GroupRegularizationOptimWrapperConstructor(
        DefaultOptimWrapperConstructor):
    """Default optimizer wrapper plus US3L group regularization (Eq. 4-5).

    Config::

        optim_wrapper = dict(
            constructor='slimmm.GroupRegularizationOptimWrapperConstructor',
            optimizer=dict(type='SGD', lr=0.5, momentum=0.9,
                           weight_decay=1e-4),
            group_reg=dict(num_groups=8, alpha=0.05))

    ``lambda`` of each parameter is the weight decay its param group would
    have had (so ``paramwise_cfg`` multipliers still apply); parameters
    outside :func:`group_regularized_params` keep ordinary weight decay.

    Args:
        optim_wrapper_cfg (dict): As for ``DefaultOptimWrapperConstructor``,
            plus ``group_reg=dict(num_groups=8, alpha=0.05)``.
        paramwise_cfg (dict, optional): As for
            ``DefaultOptimWrapperConstructor``.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None):
        optim_wrapper_cfg = dict(optim_wrapper_cfg)
        group_reg = dict(optim_wrapper_cfg.pop('group_reg', {}))
        self.num_groups = int(group_reg.pop('num_groups', 8))
        self.alpha = float(group_reg.pop('alpha', 0.05))
        if group_reg:
            raise ValueError(f'Unknown group_reg keys {sorted(group_reg)}; '
                             'use num_groups and alpha.')
        # Validates G and alpha before any model is built.
        group_decay_factors(max(self.num_groups, 1), self.num_groups,
                            self.alpha)
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def __call__(self, model: nn.Module) -> OptimWrapper:
        optim_wrapper = super().__call__(model)
        if is_model_wrapper(model):
            model = model.module
        optimizer = optim_wrapper.optimizer
        grouped = {id(p) for p in group_regularized_params(model)}
        if not grouped:
            raise ValueError(
                'GroupRegularizationOptimWrapperConstructor found no '
                'slimmable conv/linear/sliced-norm parameters in '
                f'{type(model).__name__}; use the default constructor for '
                'networks that are not slimmable.')
        new_groups = []
        for group in optimizer.param_groups:
            regular = [p for p in group['params'] if id(p) not in grouped]
            special = [p for p in group['params'] if id(p) in grouped]
            decay = group.get('weight_decay', 0.0)
            if not special or not decay:
                new_groups.append(group)
                continue
            if regular:
                new_groups.append({**group, 'params': regular})
            new_groups.append({
                **group, 'params': special, 'weight_decay': 0.0,
                DECAY_KEY: decay, GROUPS_KEY: self.num_groups,
                ALPHA_KEY: self.alpha
            })
        # No step has run yet, so the optimizer has no state to re-key.
        optimizer.param_groups[:] = new_groups
        optimizer.register_step_pre_hook(_GroupDecay())
        return optim_wrapper
