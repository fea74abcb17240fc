"""SlimCLR-MoCov3.

Zhao et al., "Slimmable Networks for Contrastive Self-supervised Learning",
arXiv:2209.15525, section 3.1 and 4.1 (SlimCLR-MoCov3 recipe).

Like SlimCLR-MoCov2 but with MoCov3's design: a slimmable projector
(``neck``) *and* predictor whose hidden layers are slimmed with the width
(one BN per width), in-batch negatives (the keys of the whole global batch,
gathered across ranks), both views through every sampled width and the loss
symmetrised (``q1 <-> k2`` plus ``q2 <-> k1``). ``tau1 = tau2 = 1.0``;
InfoNCE per width (Eq. 1), online distillation (Eq. 4-5), reweighting
(Eq. 6) and the total of Eq. 7 are shared with SlimCLR-MoCov2. The
momentum coefficient follows MoCov3's cosine schedule to 1. The recipe's
LARS optimizer and the learning rate raised to 3.2 after ``S`` epochs live
in the config (param schedulers).

``train_step`` backpropagates each width as soon as its term is computed
(:class:`SubnetBackwardMixin`; the full width first, whose detached logits
are the distillation targets of the others): the gradients of Eq. 7 with
one width's activations alive at a time instead of all of them. Every
width runs both views, so each view's stem is normalised and max-pooled
once for all widths (``shares_stem``, :meth:`SlimmableResNet.shared_stem`),
and backpropagated once, in the last width's backward.
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.dist import all_gather, get_rank

from ...registry import MODELS
from ..losses import contrastive_logits, info_nce
from .base import BaseSlimmableSelfSupervisor, fill_slimmable_cfg
from .sampling import SubNet
from .slimclr_mocov2 import (check_slimclr_options, distillation_term,
                             loss_weights, slimclr_objective, subnet_term)
from .subnet_backward import SubnetBackwardMixin


class SlimCLRTargets:
    """One iteration's state for the per-width backward: the keys, the
    weights of the sampled widths, the full width's detached logits once it
    has run (the teacher of Eq. 4-5), and the logged terms.

    A plain object on purpose: a DDP wrapper copies the dicts and lists it
    is given on the way to its forward, not an object's attributes.
    """

    def __init__(self, keys: List[torch.Tensor], offset: int,
                 weights: Dict[float, float]):
        self.keys = keys
        self.offset = offset
        self.weights = weights
        self.full = max(weights)
        self.teacher: Optional[List[torch.Tensor]] = None
        self.base: Dict[SubNet, torch.Tensor] = {}
        self.distill: Dict[SubNet, torch.Tensor] = {}


@MODELS.register_module()
class SlimCLRMoCoV3(SubnetBackwardMixin, BaseSlimmableSelfSupervisor):
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

    # Every width runs both views: their stems share one normalised,
    # max-pooled map per view (SlimmableResNet.shared_stem).
    shares_stem = True

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
        check_slimclr_options(subnet_terms, loss_weight_manner)
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
        self.target = self.build_momentum_encoder(momentum, end_momentum)

    def slimmable_modules(self) -> List[nn.Module]:
        return [self.backbone, self.neck, self.predictor]

    def _keys(self, views: List[torch.Tensor]) -> List[torch.Tensor]:
        """The momentum update, then the keys of both views."""
        with torch.no_grad():
            self.target.update_parameters(
                nn.Sequential(self.backbone, self.neck))
            # Keys of every rank are the negatives; this rank's positives
            # start at rank * N.
            return [torch.cat(all_gather(self.target(v)[0].contiguous()))
                    for v in views]

    def _logits(self, net: SubNet, views: List[torch.Tensor],
                keys: List[torch.Tensor]) -> List[torch.Tensor]:
        with self.subnet(net):
            queries = [self.predictor(self.neck(self.backbone(v)))[0]
                       for v in views]
        # q1 against k2 and q2 against k1 (MoCov3 symmetrisation).
        return [contrastive_logits(queries[0], keys[1]),
                contrastive_logits(queries[1], keys[0])]

    def _infonce(self, logits: List[torch.Tensor],
                 offset: int) -> torch.Tensor:
        """Eq. 1 with in-batch negatives, summed over both pairings."""
        return sum(info_nce(x, self.temperature, True, offset)
                   for x in logits)

    def loss(self, inputs: List[torch.Tensor], data_samples=None,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Symmetrised Eq. 7 with in-batch negatives, in one graph."""
        self.check_two_views(inputs)
        views = inputs[:2]
        subnets = self.sample_subnets()
        keys = self._keys(views)
        offset = get_rank() * views[0].shape[0]

        logits, base = {}, {}
        with self.shared_stem(subnets):
            for net in subnets:
                logits[net] = self._logits(net, views, keys)
                base[net] = self._infonce(logits[net], offset)
        loss, distill = slimclr_objective(
            logits, base, self.subnet_terms, self.loss_weight_manner,
            self.distill_temperature)
        return self.log_subnets(dict(loss=loss), subnets,
                                dict(infonce=base, distill=distill))

    # ---- one backward per width (SubnetBackwardMixin) -------------------
    def subnet_targets(self, views: List[torch.Tensor],
                       subnets: List[SubNet]) -> SlimCLRTargets:
        self.check_two_views(views)
        views = views[:2]
        return SlimCLRTargets(
            self._keys(views), get_rank() * views[0].shape[0],
            loss_weights([net.width for net in subnets],
                         self.loss_weight_manner))

    def subnet_loss(self, subnet: SubNet, views: List[torch.Tensor],
                    targets: SlimCLRTargets) -> torch.Tensor:
        """Width ``subnet``'s summand of :meth:`loss`."""
        logits = self._logits(subnet, views[:2], targets.keys)
        base = self._infonce(logits, targets.offset)
        targets.base[subnet] = base.detach()
        distill = None
        if targets.teacher is None:
            if subnet.width != targets.full:
                raise RuntimeError(
                    'The full width must run first: its logits are the '
                    f'distillation targets (got width {subnet.width}).')
            targets.teacher = [x.detach() for x in logits]
        elif self.subnet_terms != 'infonce':
            distill = distillation_term(logits, targets.teacher,
                                        self.distill_temperature)
            targets.distill[subnet] = distill.detach()
        return subnet_term(subnet.width, targets.full, base, distill,
                           self.subnet_terms, targets.weights)

    def subnet_log(self, subnets: List[SubNet], terms: List[torch.Tensor],
                   targets: SlimCLRTargets) -> Dict[str, torch.Tensor]:
        return self.log_subnets(
            dict(loss=sum(terms)), subnets,
            dict(infonce=targets.base, distill=targets.distill))
