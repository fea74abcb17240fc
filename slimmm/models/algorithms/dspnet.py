"""DSPNet: BYOL with a sampled slimmable online encoder.

Wang et al., "DSPNet: Towards Slimmable Pretrained Networks based on
Discriminative Self-supervised Learning" (https://arxiv.org/abs/2207.06075).
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn

from ...registry import MODELS
from ..losses.byol import symmetric_prediction_loss
from .base import BaseSlimmableSelfSupervisor
from .sampling import SubNet
from .subnet_backward import SubnetBackwardMixin

Targets = Tuple[torch.Tensor, torch.Tensor]


@MODELS.register_module()
class DSPNet(SubnetBackwardMixin, BaseSlimmableSelfSupervisor):
    """DSPNet (section 4, Eq. 2-7).

    The target branch (EMA of the whole online encoder + projector, Eq. 7,
    ``tau`` cosine-annealed 0.996 -> 1.0) projects both views once per
    iteration: ``z'(v) = g_xi(f_xi(v))`` (Eq. 3). Each sampled online
    sub-network ``theta_i`` (sandwich rule, n = 4: largest, two random,
    smallest in width *and* depth) predicts them through the predictor
    ``q_chi``, and the loss is Eq. 5 symmetrised over the views::

        L = sum_i ||q(z_theta_i(v)) - z'(v')||^2
                + ||q(z_theta_i(v')) - z'(v)||^2

    with L2-normalised vectors (Eq. 4). The projector's first linear layer
    has a slimmable input (it follows the sub-network's output width); the
    predictor works on the fixed projection dimension.

    Memory: :meth:`train_step` backpropagates each sub-network's term as
    soon as it is computed and steps the optimizer once, so only one
    sub-network's activations are alive at a time (section 4.1, after Eq. 7:
    "no more GPU memory cost than pretraining individual networks"); the
    gradients are the same as those of the summed loss (the target
    projections are constants). Under DDP,
    :class:`~slimmm.engine.SubnetDistributedDataParallel` runs the same
    loop (:meth:`train_subnets`) through the DDP forward and all-reduces
    the accumulated gradients once per iteration. :meth:`loss` returns the
    summed loss in one graph (what a plain DDP wrapper, which calls
    ``forward(mode='loss')`` and backpropagates once, runs: correct, but
    with the memory of all sub-networks).

    Args:
        backbone (dict): Slimmable backbone (widths and, for ResNets,
            ``set_depth`` for the depth choices of the sampler).
        neck (dict): Projector with slimmable input (``in_channels=None``).
        predictor (dict): Predictor ``q_chi`` (fixed input).
        base_momentum (float): ``1 - tau_base`` (0.004 for 0.996).
        end_momentum (float): ``1 - tau`` at the end of training (0.0).
        sampler (dict): Width/depth schedule; defaults to the sandwich rule
            with n = 4 and no warm-up.
        data_preprocessor (dict, optional): See
            :class:`BaseSlimmableSelfSupervisor`.
        init_cfg (dict, optional): mmengine init config.
    """

    # Not shares_stem: the shared stem's graph for both views lives through
    # every sub-network's backward (about 0.3 GiB for the R-34 x 1.5 stem at
    # batch 32 / 128 px by tensor sizes, against a 1.1 GiB peak), while
    # DSPNet's target is a peak within 1.15 x one network's.
    shares_stem = False

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 predictor: dict,
                 base_momentum: float = 0.004,
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
        self.target_net = self.build_momentum_encoder(
            base_momentum, end_momentum=end_momentum)

    def update_target(self) -> None:
        """Eq. 7: ``xi <- tau xi + (1 - tau) theta^M``, once per iteration
        (before any sub-network runs, so all of them predict the same
        target)."""
        with torch.no_grad():
            self.target_net.update_parameters(
                nn.Sequential(self.backbone, self.neck))

    def target_projections(self, views: List[torch.Tensor]) -> Targets:
        """Eq. 3 for both views; shared by every sampled sub-network of the
        iteration."""
        with torch.no_grad():
            return self.target_net(views[0])[0], self.target_net(views[1])[0]

    def subnet_loss(self, subnet: SubNet, views: List[torch.Tensor],
                    targets: Targets) -> torch.Tensor:
        """One sub-network's term of Eq. 5, symmetrised (Eq. 2 and 4)."""
        with self.subnet(subnet):
            p1 = self.predictor(self.neck(self.backbone(views[0])))[0]
            p2 = self.predictor(self.neck(self.backbone(views[1])))[0]
        return symmetric_prediction_loss(p1, p2, *targets)

    def loss(self, inputs: List[torch.Tensor], data_samples: List,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Eq. 5 summed over the sampled sub-networks, in one graph."""
        self.check_two_views(inputs)
        subnets = self.sample_subnets()
        self.update_target()
        targets = self.target_projections(inputs)
        terms = [self.subnet_loss(net, inputs, targets) for net in subnets]
        return self._log(dict(loss=sum(terms)), subnets, terms)

    def subnet_targets(self, views: List[torch.Tensor],
                       subnets: List[SubNet]) -> Targets:
        """The EMA update, then Eq. 3 for both views (per-sub-network
        backward, :class:`SubnetBackwardMixin`)."""
        self.check_two_views(views)
        self.update_target()
        return self.target_projections(views)

    def subnet_log(self, subnets: List[SubNet], terms: List[torch.Tensor],
                   targets: Targets) -> Dict[str, torch.Tensor]:
        return self._log(dict(loss=sum(terms)), subnets, terms)

    def _log(self, losses: Dict[str, torch.Tensor], subnets: List[SubNet],
             terms: List[torch.Tensor]) -> Dict[str, torch.Tensor]:
        self.log_subnets(losses, subnets)
        # Log by sample index (``sampled_i`` holds the width): a sandwich
        # draws random sub-networks, whose names would change every step.
        for index, value in enumerate(terms):
            losses[f'byol_{index}'] = value.detach()
        return losses
