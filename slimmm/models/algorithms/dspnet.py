"""DSPNet: BYOL with a sampled slimmable online encoder.

Wang et al., "DSPNet: Towards Slimmable Pretrained Networks based on
Discriminative Self-supervised Learning" (https://arxiv.org/abs/2207.06075).
"""
import math
from contextlib import nullcontext
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from ...registry import MODELS
from ..losses.byol import symmetric_prediction_loss
from .base import BaseSlimmableSelfSupervisor
from .sampling import SubNet

Targets = Tuple[torch.Tensor, torch.Tensor]


def backward_order(subnets: Sequence[SubNet]) -> List[int]:
    """Indices of ``subnets`` in the order their terms are backpropagated:
    the largest (widest, then deepest; ``depth=None`` is the full depth)
    first, the others in sampling order.

    Memory: the gradient buffers exist from the first backward on, so every
    later sub-network builds its activations next to them; the largest
    network's activations are built before they exist. At batch 32 / 64 px
    this gives 1.27 x the full-width-only peak instead of 1.42 x with the
    largest last (``tools/analysis_tools/benchmark_pretrain.py``). Under DDP
    the last backward is the synchronised one; with
    ``find_unused_parameters=True`` the parameters it does not use (deeper
    blocks, other widths' BN members) still contribute the gradients
    accumulated under ``no_sync`` (tested against a single-process
    reference).
    """
    def size(index: int) -> Tuple[float, float]:
        depth = subnets[index].depth
        return subnets[index].width, math.inf if depth is None else sum(depth)

    largest = max(range(len(subnets)), key=size)
    return [largest] + [i for i in range(len(subnets)) if i != largest]


@MODELS.register_module()
class DSPNet(BaseSlimmableSelfSupervisor):
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

    def forward(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List] = None, mode: str = 'tensor',
                subnet: Optional[SubNet] = None,
                targets: Optional[Targets] = None):
        """mmpretrain's modes plus ``mode='subnet_loss'``
        (:meth:`subnet_loss` of ``subnet`` against ``targets``), the entry
        through which a DDP wrapper runs one sub-network."""
        if mode == 'subnet_loss':
            return self.subnet_loss(subnet, inputs, targets)
        return super().forward(inputs, data_samples, mode=mode)

    @staticmethod
    def _check_views(inputs) -> None:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError('DSPNet needs two views per image (a two-view '
                             'pipeline such as MultiView(num_views=2)).')

    def loss(self, inputs: List[torch.Tensor], data_samples: List,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Eq. 5 summed over the sampled sub-networks, in one graph."""
        self._check_views(inputs)
        subnets = self.sample_subnets()
        self.update_target()
        targets = self.target_projections(inputs)
        terms = [self.subnet_loss(net, inputs, targets) for net in subnets]
        return self._log(dict(loss=sum(terms)), subnets, terms)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """Backward per sub-network, one optimizer step (see class doc)."""
        return self.train_subnets(data, optim_wrapper)

    def train_subnets(self, data: Union[dict, tuple, list],
                      optim_wrapper: OptimWrapper,
                      wrapper: Optional[nn.Module] = None
                      ) -> Dict[str, torch.Tensor]:
        """One iteration: the target update and projections once, then each
        sampled sub-network's forward and backward in turn
        (:func:`backward_order`), then one optimizer step.

        Args:
            data: A batch from the dataloader.
            optim_wrapper (OptimWrapper): Steps once per iteration (or per
                ``accumulative_counts`` iterations).
            wrapper (nn.Module, optional): What runs a sub-network, called
                as ``wrapper(views, mode='subnet_loss', subnet=...,
                targets=...)``: this model (default) or a DDP wrapper
                around it, whose forward prepares the gradient reduction.
                Every sub-network but the last runs inside the wrapper's
                ``no_sync()`` (when it has one), so gradients are
                all-reduced once per iteration.

        Returns:
            dict: Logged values (``loss``, ``byol_<i>``, ``sampled_<i>``).
        """
        wrapper = wrapper if wrapper is not None else self
        # The sampler seeds from (seed, iteration), so every rank draws the
        # same sub-networks without communicating.
        subnets = self.sample_subnets()
        with optim_wrapper.optim_context(wrapper):
            data = self.data_preprocessor(data, True)
            views = data['inputs']
            self._check_views(views)
            # Outside the DDP forward: no gradient flows into the target,
            # and the online parameters it averages are equal on all ranks.
            self.update_target()
            targets = self.target_projections(views)
        no_sync = getattr(wrapper, 'no_sync', None)
        order = backward_order(subnets)
        # ``backward`` counts calls for gradient accumulation; the whole
        # iteration must count once however many sub-networks it runs.
        count = optim_wrapper._inner_count
        terms: List[Optional[torch.Tensor]] = [None] * len(subnets)
        for index in order:
            synced = no_sync is None or index == order[-1]
            with nullcontext() if synced else no_sync():
                with optim_wrapper.optim_context(wrapper):
                    term = wrapper(views, mode='subnet_loss',
                                  subnet=subnets[index], targets=targets)
                optim_wrapper._inner_count = count
                optim_wrapper.backward(optim_wrapper.scale_loss(term))
            terms[index] = term.detach()
        if optim_wrapper.should_update():
            optim_wrapper.step()
            optim_wrapper.zero_grad()
        losses = self._log(dict(loss=sum(terms)), subnets, terms)
        return self.parse_losses(losses)[1]

    def _log(self, losses: Dict[str, torch.Tensor], subnets: List[SubNet],
             terms: List[torch.Tensor]) -> Dict[str, torch.Tensor]:
        self.log_subnets(losses, subnets)
        # Log by sample index (``sampled_i`` holds the width): a sandwich
        # draws random sub-networks, whose names would change every step.
        for index, value in enumerate(terms):
            losses[f'byol_{index}'] = value.detach()
        return losses
