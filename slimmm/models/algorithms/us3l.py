"""US3L: universally slimmable self-supervised learning.

Cao et al., "Three Guidelines You Should Know for Universally Slimmable
Self-Supervised Learning", CVPR 2023 (https://arxiv.org/abs/2303.06870).
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn

from ...registry import MODELS
from ..losses.us3l import base_loss, distill_loss
from ..subnets import SubNet
from .base import BaseSlimmableSelfSupervisor


class US3LTargets:
    """One iteration's labels ``k1, k2`` and whether ``L_Base`` has been
    computed (the first sub-network, the largest, trains it; every later
    one, a duplicate of the largest width included, is distilled).

    A plain object: a DDP wrapper copies tuples on the way to its forward,
    not an object's attributes.
    """

    def __init__(self, k1: torch.Tensor, k2: torch.Tensor):
        self.k1, self.k2 = k1, k2
        self.base_done = False


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

    def subnet_targets(self, views: List[torch.Tensor],
                       subnets: List[SubNet]) -> US3LTargets:
        """Algorithm 1, line 6: the labels ``k1, k2`` of both views from
        the momentum encoder (guideline 3), after its update."""
        self.check_two_views(views)
        with torch.no_grad():
            self.momentum_encoder.update_parameters(
                nn.Sequential(self.backbone, self.neck))
            return US3LTargets(self.momentum_encoder(views[0])[0],
                               self.momentum_encoder(views[1])[0])

    def subnet_loss(self, subnet: SubNet, views: List[torch.Tensor],
                    targets: US3LTargets) -> torch.Tensor:
        """The largest sub-network's ``L_Base`` (lines 4-5; it runs first),
        or another width's ``L_Distill`` (lines 13-15): its term of
        Eq. 3."""
        x1, x2 = views[0], views[1]
        k1, k2 = targets.k1, targets.k2
        with self.subnet(subnet):
            if not targets.base_done:
                targets.base_done = True
                return base_loss(self.project(x1), self.project(x2), k1, k2,
                                 self.temperature)
            s1 = self.distill_head(self.project(x1))[0]
            s2 = self.distill_head(self.project(x2))[0]
        return distill_loss(s1, s2, k1, k2)

    def subnet_log(self, subnets: List[SubNet], terms: List[torch.Tensor],
                   targets: US3LTargets) -> Dict[str, torch.Tensor]:
        """``loss_base`` and ``loss_distill`` (summed by mmengine: Eq. 3)
        and each sampled width's distillation term."""
        losses = dict(loss_base=terms[0])
        if len(terms) > 1:
            losses['loss_distill'] = sum(terms[1:])
        self.log_subnets(losses, subnets)
        # Universal widths are drawn from a range, so per-width log keys
        # would be new every iteration; log by sample index instead
        # (``sampled_i`` holds the width of ``distill_i``).
        for index, value in enumerate(terms[1:], start=1):
            losses[f'distill_{index}'] = value.detach()
        return losses
