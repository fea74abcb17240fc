"""DSPNet: BYOL with a sampled slimmable online encoder.

Wang et al., "DSPNet: Towards Slimmable Pretrained Networks based on
Discriminative Self-supervised Learning" (https://arxiv.org/abs/2207.06075).
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn

from ...registry import MODELS
from ..losses.byol import symmetric_prediction_loss
from ..subnets import SubNet
from .base import BaseSlimmableSelfSupervisor

Targets = Tuple[torch.Tensor, torch.Tensor]


@MODELS.register_module()
class DSPNet(BaseSlimmableSelfSupervisor):
    """DSPNet (section 4, Eq. 2-7).

    The target network (``momentum_encoder``: EMA of the whole online
    encoder + projector, Eq. 7, ``tau`` cosine-annealed 0.996 -> 1.0)
    projects both views once per iteration: ``z'(v) = g_xi(f_xi(v))``
    (Eq. 3). Each sampled online sub-network ``theta_i`` (sandwich rule,
    n = 4: largest, two random, smallest in width *and* depth) predicts
    them through the predictor ``q_chi``, and the loss is Eq. 5 symmetrised
    over the views::

        L = sum_i ||q(z_theta_i(v)) - z'(v')||^2
                + ||q(z_theta_i(v')) - z'(v)||^2

    with L2-normalised vectors (Eq. 4). The projector's first linear layer
    has a slimmable input (it follows the sub-network's output width); the
    predictor works on the fixed projection dimension.

    Training (:meth:`train_step`, the base class's
    :class:`~slimmm.models.subnets.SubnetBackwardMixin`)
    backpropagates each sub-network's term as soon as it is computed and
    steps the optimizer once, so only one sub-network's activations are
    alive at a time (section 4.1, after Eq. 7: "no more GPU memory cost
    than pretraining individual networks"); the gradients are those of
    :meth:`loss` (the target projections are constants). Under DDP the
    config names ``model_wrapper_cfg=dict(type=
    'slimmm.SubnetDistributedDataParallel')``.

    Args:
        backbone (dict): Slimmable backbone (widths and, for ResNets,
            ``set_depth`` for the depth choices of the sampler).
        neck (dict): Projector with slimmable input (``in_channels=None``).
        predictor (dict): Predictor ``q_chi`` (fixed input).
        momentum (float): ``1 - tau_base`` at the start (0.004 for 0.996),
            cosine-annealed to ``end_momentum``.
        end_momentum (float): ``1 - tau`` at the end of training (0.0).
        sampler (dict): Width/depth schedule; defaults to the sandwich rule
            with n = 4 and no warm-up.
        data_preprocessor (dict, optional): See
            :class:`BaseSlimmableSelfSupervisor`.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 predictor: dict,
                 momentum: float = 0.004,
                 end_momentum: float = 0.0,
                 sampler: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            backbone=backbone,
            neck=neck,
            sampler=sampler or dict(schedule='sandwich', num_subnets=4),
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.predictor = predictor if isinstance(
            predictor, nn.Module) else MODELS.build(predictor)
        self.momentum_encoder = self.build_momentum_encoder(
            momentum, end_momentum=end_momentum)

    def subnet_targets(self, views: List[torch.Tensor],
                       subnets: List[SubNet]) -> Targets:
        """Eq. 7 (``xi <- tau xi + (1 - tau) theta^M``, once per iteration,
        before any sub-network runs), then Eq. 3 for both views: the
        targets every sampled sub-network predicts."""
        self.check_two_views(views)
        with torch.no_grad():
            self.momentum_encoder.update_parameters(
                nn.Sequential(self.backbone, self.neck))
            return (self.momentum_encoder(views[0])[0],
                    self.momentum_encoder(views[1])[0])

    def subnet_loss(self, subnet: SubNet, views: List[torch.Tensor],
                    targets: Targets) -> torch.Tensor:
        """One sub-network's term of Eq. 5, symmetrised (Eq. 2 and 4)."""
        with self.subnet(subnet):
            p1 = self.predictor(self.neck(self.backbone(views[0])))[0]
            p2 = self.predictor(self.neck(self.backbone(views[1])))[0]
        return symmetric_prediction_loss(p1, p2, *targets)

    def subnet_log(self, subnets: List[SubNet], terms: List[torch.Tensor],
                   targets: Targets) -> Dict[str, torch.Tensor]:
        """``loss`` (Eq. 5) and each sub-network's term."""
        return self.log_summed_terms(subnets, terms, 'byol')
