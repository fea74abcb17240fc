"""SlimCLR's gradient-magnitude-imbalance monitor (Fig. 3).

Zhao et al., SlimCLR, section 3.2.1 and Fig. 3: the ratios

    ||grad_{theta_1.0} L|| / ||grad_{theta_min} L||   and
    ||grad_{theta_1.0 \\ min} L|| / ||grad_{theta_min} L||,

where ``L`` is the *final* (total) loss of the iteration, ``theta_w`` the
parameters the network of width ``w`` uses, ``theta_1.0 \\ min`` the rest of
the full network's parameters, and the "gradient norm of a network" is the
average over layers of the layer-wise l2 norms.

Design: on every ``interval``-th iteration the hook wraps the optimizer
wrapper's ``step`` for that iteration only, so it reads the gradients
exactly when they are complete (after every backward the algorithm ran,
whether one summed loss or one backward per sub-network) and before the
update; it changes no gradient. Any algorithm that steps through its
``optim_wrapper`` is covered. With ``interval=0`` (or without the hook)
nothing is wrapped and nothing is computed.

Which part of a parameter belongs to ``theta_w`` follows the slimmable
layers: sliced convs / linears use ``weight[:out(w), :in(w)]``, a
switchable BN uses its member of width ``w`` (so the smallest width's BN
is in ``theta_min`` but not in ``theta_1.0``), a sliced BN / LayerNorm its
first channels; parameters of plain (non-slimmable) layers are shared by
every width.
"""
from typing import Dict, Iterator, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...models.ops import (SlicedBatchNorm2d, SlicedLayerNorm, SlimmableMixin,
                           SwitchableBatchNorm2d, width_key)
from ...registry import HOOKS

# (parameter, mask of theta_min or None for "none of it", in theta_1.0?)
Layer = Tuple[torch.Tensor, Optional[torch.Tensor], bool]


def _slice_mask(param: torch.Tensor, sizes: List[int]) -> torch.Tensor:
    mask = torch.zeros_like(param, dtype=torch.bool)
    mask[tuple(slice(0, n) for n in sizes)] = True
    return mask


def width_layers(module: nn.Module, smallest: float) -> Iterator[Layer]:
    """Every parameter of ``module`` with the part the smallest width uses
    and whether the full network uses it."""
    done = set()
    for layer in module.modules():
        if isinstance(layer, SwitchableBatchNorm2d):
            for key, member in layer.norms.items():
                for param in member.parameters(recurse=False):
                    done.add(id(param))
                    if key == width_key(1.0):
                        yield param, None, True
                    elif key == width_key(smallest):
                        yield param, torch.ones_like(param,
                                                     dtype=torch.bool), False
            continue
        if not isinstance(layer, SlimmableMixin):
            continue
        for name, param in layer.named_parameters(recurse=False):
            done.add(id(param))
            if isinstance(layer, (SlicedBatchNorm2d, SlicedLayerNorm)):
                sizes = [layer.spec.at(smallest)]
            elif hasattr(layer, 'in_spec') and hasattr(layer, 'out_spec'):
                out_ch = layer.out_spec.at(smallest)
                in_ch = layer.in_spec.at(smallest)
                if getattr(layer, 'depthwise', False):
                    in_ch = 1
                sizes = [out_ch] if param.dim() == 1 else [out_ch, in_ch]
            else:
                sizes = list(param.shape)
            yield param, _slice_mask(param, sizes), True
    for param in module.parameters():
        if id(param) not in done:
            yield param, torch.ones_like(param, dtype=torch.bool), True


def gradient_ratios(module: nn.Module, smallest: float) -> Dict[str, float]:
    """SlimCLR Fig. 3 ratios from the current ``.grad`` of ``module``.

    Returns:
        dict: ``grad_ratio_full_over_min`` and ``grad_ratio_rest_over_min``
        (layer-averaged l2 norms), plus the three averages.
    """
    full, low, rest = [], [], []
    for param, mask, in_full in width_layers(module, smallest):
        if not param.requires_grad:
            continue
        grad = param.grad if param.grad is not None else \
            torch.zeros_like(param)
        grad = grad.detach().float()
        if in_full:
            full.append(grad.norm())
        if mask is not None and mask.any():
            low.append(grad[mask].norm())
        if in_full:
            outside = grad if mask is None else grad[~mask]
            if outside.numel():
                rest.append(outside.norm())

    def mean(values):
        return float(torch.stack(values).mean()) if values else 0.0

    norms = dict(full=mean(full), min=mean(low), rest=mean(rest))
    eps = 1e-12
    return dict(
        grad_ratio_full_over_min=norms['full'] / max(norms['min'], eps),
        grad_ratio_rest_over_min=norms['rest'] / max(norms['min'], eps),
        grad_norm_full=norms['full'],
        grad_norm_min=norms['min'],
        grad_norm_rest=norms['rest'])


@HOOKS.register_module()
class GradientInterferenceHook(Hook):
    """Log SlimCLR Fig. 3's gradient-norm ratios every ``interval`` iters.

    Args:
        interval (int): Iterations between measurements; 0 disables.
        module (str): Attribute of the model holding the slimmable network
            (``'backbone'``).
        smallest (float, optional): The small width of the ratios; default
            the backbone's smallest width.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 0, module: str = 'backbone',
                 smallest: Optional[float] = None):
        if interval < 0:
            raise ValueError(f'interval must be >= 0 (0 disables), got '
                             f'{interval}.')
        self.interval = interval
        self.module = module
        self.smallest = smallest
        self._wrapped = None

    def _network(self, runner) -> Optional[nn.Module]:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        return getattr(model, self.module, None)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if not self.interval or (runner.iter + 1) % self.interval:
            return
        network = self._network(runner)
        space = getattr(network, 'width_space', None)
        if network is None or space is None or getattr(
                network, 'is_static', False) or space.min == space.max:
            return
        smallest = self.smallest or space.min
        optim_wrapper = runner.optim_wrapper
        original = optim_wrapper.step
        hub = runner.message_hub

        def step(*args, **kwargs):
            for key, value in gradient_ratios(network, smallest).items():
                hub.update_scalar(f'train/{key}', value)
            return original(*args, **kwargs)

        optim_wrapper.step = step
        self._wrapped = optim_wrapper

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self._wrapped is not None:
            # Drop the instance attribute: the class method is back.
            del self._wrapped.step
            self._wrapped = None
