"""US3L: universally slimmable self-supervised learning.

Cao et al., "Three Guidelines You Should Know for Universally Slimmable
Self-Supervised Learning", CVPR 2023 (https://arxiv.org/abs/2303.06870).
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn

from ...registry import MODELS
from ..losses.us3l import base_loss, distill_loss
from .base import BaseSlimmableSelfSupervisor


@MODELS.register_module()
class US3L(BaseSlimmableSelfSupervisor):
    """US3L (section 3.2, Algorithm 1).

    Per iteration, with views ``x1, x2``, the momentum encoder ``M^m``
    (EMA of the online backbone + projector, always at full width) and the
    sampled widths (``sample_subnets()``: the largest first):

    * ``L_Base``: InfoNCE (Eq. 2, ``tau = 0.5``) of the largest online
      network's projections ``q = proj(M(x))`` against the momentum
      projections ``k`` of the other view (guidelines 1 and 3, section 3.3);
    * ``L_Distill``: for every other sampled width, MSE distillation
      (Eq. 6) of the auxiliary distillation head's output
      ``g(proj(M'(x1)))`` to ``k2`` and of ``g(proj(M'(x2)))`` to ``k1``
      (Eq. 3 and Algorithm 1, line 15);
    * total ``L = L_Base + sum_s L_Distill(s)`` (Eq. 3).

    Dynamic sampling (section 3.2.2) is the sampler schedule
    ``dynamic_sampling``: only the largest network for the first quarter,
    then largest + smallest + one random width with the smallest going
    0.75 -> 0.5 -> 0.25, i.e. 2.5 T forwards over T iterations (Eq. 12).
    Group regularization (Eq. 4-5) is an optimizer concern: set
    ``optim_wrapper.constructor`` to
    ``'slimmm.GroupRegularizationOptimWrapperConstructor'``.

    Args:
        backbone (dict): Universally slimmable backbone
            (``width_range=(0.25, 1.0)``).
        neck (dict): Projector, a slimmable neck whose input follows the
            width (``in_channels=None``).
        distill_head (dict): Auxiliary distillation MLP ``g`` (fixed input
            = the projector's output dimension).
        temperature (float): InfoNCE temperature. Defaults to 0.5.
        momentum (float): ``1 - m`` of the momentum encoder (mmengine's
            convention); ``m = 0.99`` gives 0.01. Defaults to 0.01.
        sampler (dict): Width schedule. Defaults to dynamic sampling.
        data_preprocessor (dict, optional): See
            :class:`BaseSlimmableSelfSupervisor`.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 distill_head: dict,
                 temperature: float = 0.5,
                 momentum: float = 0.01,
                 sampler: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}.')
        if not 0 < momentum <= 1:
            raise ValueError(f'momentum (1 - m) must be in (0, 1], got '
                             f'{momentum}.')
        super().__init__(
            backbone=backbone,
            neck=neck,
            sampler=sampler or dict(schedule='dynamic_sampling'),
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.distill_head = distill_head if isinstance(
            distill_head, nn.Module) else MODELS.build(distill_head)
        self.temperature = temperature
        self.momentum_encoder = self.build_momentum_encoder(momentum)

    def project(self, image: torch.Tensor) -> torch.Tensor:
        """Online projection at the current width."""
        return self.neck(self.backbone(image))[0]

    def loss(self, inputs: List[torch.Tensor], data_samples: List,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Eq. 3 on two views (Algorithm 1, lines 4-16).

        Args:
            inputs (List[Tensor]): The two augmented views.
            data_samples (List[DataSample]): Unused.

        Returns:
            dict: ``loss_base``, ``loss_distill`` (summed by mmengine) and
            logged-only per-width terms and sampled widths.
        """
        self.check_two_views(inputs)
        x1, x2 = inputs[0], inputs[1]
        subnets = self.sample_subnets()  # the largest first
        # Line 6: the labels z^t, from the momentum encoder (guideline 3).
        with torch.no_grad():
            self.momentum_encoder.update_parameters(
                nn.Sequential(self.backbone, self.neck))
            k1, k2 = self.momentum_encoder(x1)[0], self.momentum_encoder(x2)[0]

        with self.subnet(subnets[0]):  # lines 4-5: L_Base, largest network
            loss_base = base_loss(self.project(x1), self.project(x2), k1, k2,
                                  self.temperature)
        distill = {}
        for net in subnets[1:]:  # lines 13-15: L_Distill, sampled widths
            with self.subnet(net):
                s1 = self.distill_head(self.project(x1))[0]
                s2 = self.distill_head(self.project(x2))[0]
            distill[net] = distill_loss(s1, s2, k1, k2)

        losses = dict(loss_base=loss_base)
        if distill:
            losses['loss_distill'] = sum(distill.values())
        self.log_subnets(losses, subnets)
        # Universal widths are drawn from a range, so per-width log keys
        # would be new every iteration; log by sample index instead
        # (``sampled_i`` holds the width of ``distill_i``).
        for index, value in enumerate(distill.values(), start=1):
            losses[f'distill_{index}'] = value.detach()
        return losses
