"""SlimCLR-MoCov3.

Zhao et al., "Slimmable Networks for Contrastive Self-supervised Learning",
arXiv:2209.15525, section 3 and 4.1 (SlimCLR-MoCov3 recipe).

SlimCLR's objective (Eq. 1, 4-7, the functions of
:mod:`slimmm.models.losses.slimclr`) with MoCov3's design: a slimmable
projector (``neck``) and predictor whose hidden layers are slimmed with the
width (one BN per width), in-batch negatives (the keys of the whole global
batch, gathered across ranks), both views through every sampled width and
each term symmetrised (``q1 <-> k2`` plus ``q2 <-> k1``); ``tau1 = tau2 =
1.0``; the momentum coefficient follows MoCov3's cosine schedule to 1. The
recipe's LARS optimizer and the learning rate raised to 3.2 after ``S``
epochs live in the config (param schedulers).

Training backpropagates each width's summand of Eq. 7 as soon as it is
computed (:class:`SubnetBackwardMixin`; the full width first, whose
detached logits are the distillation targets of the others): the gradients
of Eq. 7 with one width's activations alive at a time.
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.dist import all_gather, get_rank

from ...registry import MODELS
from ..losses import (SlimCLRTargets, check_slimclr_objective,
                      contrastive_logits, info_nce, slimclr_loss_weights)
from ..subnets import SubNet
from .base import BaseSlimmableSelfSupervisor, fill_slimmable_cfg


@MODELS.register_module()
class SlimCLRMoCoV3(BaseSlimmableSelfSupervisor):
    """SlimCLR-MoCov3 (SlimCLR Eq. 1, 4-7 with in-batch negatives).

    Args:
        backbone (dict): Slimmable backbone.
        neck (dict): Slimmable projector (``SlimmableMLPNeck`` with
            ``slim_hidden=True``, ``in_channels=None``).
        predictor (dict): Slimmable predictor (``SlimmableMLPNeck`` with
            ``in_channels`` = the projector's output, ``slim_hidden=True``);
            its width space is filled in from the backbone.
        momentum (float): Start of ``1 - m`` (0.01 for ``m = 0.99``),
            cosine-annealed to ``end_momentum``.
        end_momentum (float): ``1 - m`` at the end (0: ``m = 1``).
        temperature (float): ``tau1``.
        distill_temperature (float): ``tau2``.
        loss_weight_manner (int, optional): 1-4 or None (unit weights).
        subnet_terms (str): ``'both'``, ``'infonce'`` or ``'distill'``.
        sampler (dict): Width schedule; default slow start at half.
        data_preprocessor (dict, optional): Preprocessor config.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 predictor: dict,
                 momentum: float = 0.01,
                 end_momentum: float = 0.0,
                 temperature: float = 1.0,
                 distill_temperature: float = 1.0,
                 loss_weight_manner: Optional[int] = 1,
                 subnet_terms: str = 'both',
                 sampler: Optional[dict] = dict(schedule='slow_start',
                                                slow_start=0.5),
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        check_slimclr_objective(subnet_terms, loss_weight_manner)
        super().__init__(
            backbone=backbone, neck=neck, sampler=sampler,
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if isinstance(predictor, dict):
            predictor = dict(predictor)
            space_given = predictor.get('widths') is not None or \
                predictor.get('width_range') is not None
            if not space_given:
                filled = fill_slimmable_cfg(
                    dict(predictor, in_channels=None), self.backbone)
                for key in ('widths', 'width_range'):
                    if key in filled:
                        predictor[key] = filled[key]
            predictor = MODELS.build(predictor)
        self.predictor = predictor
        self.temperature = temperature
        self.distill_temperature = distill_temperature
        self.loss_weight_manner = loss_weight_manner
        self.subnet_terms = subnet_terms
        self.momentum_encoder = self.build_momentum_encoder(
            momentum, end_momentum)

    def slimmable_modules(self) -> List[nn.Module]:
        return [self.backbone, self.neck, self.predictor]

    def subnet_targets(self, views: List[torch.Tensor],
                       subnets: List[SubNet]) -> SlimCLRTargets:
        """The momentum update, the keys ``k1, k2`` of both views from
        every rank (the in-batch negatives) and the weights of Eq. 6."""
        self.check_two_views(views)
        with torch.no_grad():
            self.momentum_encoder.update_parameters(
                nn.Sequential(self.backbone, self.neck))
            keys = [
                torch.cat(all_gather(self.momentum_encoder(v)[0].contiguous()))
                for v in views[:2]
            ]
        weights = slimclr_loss_weights([net.width for net in subnets],
                                       self.loss_weight_manner)
        # This rank's positives start at rank * N in the gathered keys.
        return SlimCLRTargets(keys, weights,
                              offset=get_rank() * views[0].shape[0])

    def subnet_loss(self, subnet: SubNet, views: List[torch.Tensor],
                    targets: SlimCLRTargets) -> torch.Tensor:
        """Width ``w_i``'s summand of Eq. 7, symmetrised over the views."""
        targets.check_order(subnet.width)
        with self.subnet(subnet):
            q1, q2 = (self.predictor(self.neck(self.backbone(v)))[0]
                      for v in views[:2])
        k1, k2 = targets.keys
        logits = [contrastive_logits(q1, k2), contrastive_logits(q2, k1)]
        base = sum(  # Eq. 1 with in-batch negatives, both pairings
            info_nce(x, self.temperature, in_batch=True,
                     offset=targets.offset) for x in logits)
        # Eq. 4-5 against the full width, both pairings; Eq. 7's summand.
        return targets.width_term(subnet, logits, base,
                                  self.distill_temperature,
                                  self.subnet_terms)

    def subnet_log(self, subnets: List[SubNet], terms: List[torch.Tensor],
                   targets: SlimCLRTargets) -> Dict[str, torch.Tensor]:
        """``loss`` (the sum of the terms: Eq. 7) and per-width terms."""
        return self.log_subnets(dict(loss=sum(terms)), subnets,
                                targets.logged_terms())
