"""SlimCLR-MoCov2.

Zhao et al., "Slimmable Networks for Contrastive Self-supervised Learning",
IJCV 2024 / arXiv:2209.15525, section 3 and 4.1.

View 1 goes through every sampled width ``w_i`` of the online network
(backbone + slimmable MoCov2 head), view 2 through the full-width momentum
network ``xi`` (``xi <- m xi + (1 - m) theta``). Each width gets the InfoNCE
loss of Eq. 1 (``tau1 = 0.2``) against a queue of momentum features; the
sub-networks are also distilled from the full network's probabilities over
the same candidates (Eq. 4-5, ``tau2 = 5.0``); losses are reweighted by
width (Eq. 6, or manners 2-4 of section 4.4) and summed by Eq. 7. Slow
start (only the full network for the first ``S`` of training) is the
sampler's ``slow_start`` schedule.

The same class, configured differently, gives the baselines:
``subnet_terms='infonce'`` and ``loss_weight_manner=None`` is vanilla
slimmable SSL (Eq. 2); ``subnet_terms='distill'`` is S-Net + inplace
distillation; a backbone built static at one width is single-width MoCov2.
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_gather, broadcast, get_rank, get_world_size

from ...registry import MODELS
from ..losses import (SlimCLRTargets, check_slimclr_objective,
                      contrastive_logits, info_nce, slimclr_loss_weights)
from ..subnets import SubNet
from .base import BaseSlimmableSelfSupervisor


@MODELS.register_module()
class SlimCLRMoCoV2(BaseSlimmableSelfSupervisor):
    """SlimCLR-MoCov2 (SlimCLR Eq. 1, 4-7; slow start).

    Args:
        backbone (dict): Slimmable backbone, e.g. ``SlimmableResNet`` with
            ``widths=[1.0, 0.75, 0.5, 0.25]``.
        neck (dict): ``SlimmableMoCoV2Neck`` (``in_channels=None`` follows
            the backbone).
        queue_len (int): Negatives kept (65536). Must be a multiple of the
            global batch size.
        feat_dim (int): Feature dimension (128).
        momentum (float): ``1 - m`` in mmengine's EMA convention (0.001 for
            ``m = 0.999``).
        temperature (float): ``tau1`` of Eq. 1.
        distill_temperature (float): ``tau2`` of Eq. 4.
        loss_weight_manner (int, optional): 1-4 (section 4.4) or None for
            unit weights.
        subnet_terms (str): ``'both'`` (Eq. 7), ``'infonce'`` (vanilla,
            no distillation) or ``'distill'`` (inplace distillation).
        sampler (dict): Width schedule; default slow start at half.
        shuffle_bn (bool): Shuffle the key batch across ranks (MoCo's
            shuffling BN).
        data_preprocessor (dict, optional): Preprocessor config.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 queue_len: int = 65536,
                 feat_dim: int = 128,
                 momentum: float = 0.001,
                 temperature: float = 0.2,
                 distill_temperature: float = 5.0,
                 loss_weight_manner: Optional[int] = 1,
                 subnet_terms: str = 'both',
                 sampler: Optional[dict] = dict(schedule='slow_start',
                                                slow_start=0.5),
                 shuffle_bn: bool = True,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        check_slimclr_objective(subnet_terms, loss_weight_manner)
        super().__init__(
            backbone=backbone, neck=neck, sampler=sampler,
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.temperature = temperature
        self.distill_temperature = distill_temperature
        self.loss_weight_manner = loss_weight_manner
        self.subnet_terms = subnet_terms
        self.shuffle_bn = shuffle_bn
        self.momentum_encoder = self.build_momentum_encoder(momentum)
        self.queue_len = queue_len
        self.register_buffer('queue',
                             F.normalize(torch.randn(feat_dim, queue_len),
                                         dim=0))
        self.register_buffer('queue_ptr', torch.zeros(1, dtype=torch.long))

    def check_batch(self, batch_size: int) -> None:
        """The queue is filled in whole global batches; fail before any
        compute when it cannot be."""
        total = batch_size * get_world_size()
        if self.queue_len % total:
            raise ValueError(
                f'queue_len {self.queue_len} is not a multiple of the global '
                f'batch size {total} ({batch_size} x {get_world_size()} '
                'ranks); change model.queue_len or the batch size.')

    @torch.no_grad()
    def enqueue(self, keys: torch.Tensor) -> None:
        """Replace the oldest entries by the keys of *every* rank."""
        keys = torch.cat(all_gather(keys.contiguous()), dim=0)
        ptr = int(self.queue_ptr)
        self.queue[:, ptr:ptr + keys.shape[0]] = keys.t()
        self.queue_ptr[0] = (ptr + keys.shape[0]) % self.queue_len

    @torch.no_grad()
    def shuffle_across_ranks(self, view: torch.Tensor):
        """MoCo's shuffling BN: this rank's slice of a permutation of the
        global key batch. The permutation is drawn from a generator seeded
        by the iteration (like the width sampler), so a resumed run
        shuffles exactly as an uninterrupted one.

        Returns:
            tuple: The shuffled local batch and the global inverse
            permutation.
        """
        gathered = torch.cat(all_gather(view.contiguous()))
        generator = torch.Generator().manual_seed(
            self.width_sampler.seed * 1_000_003 + self.progress()[0])
        order = torch.randperm(gathered.shape[0], generator=generator).to(
            view.device)
        broadcast(order, src=0)  # every rank uses rank 0's permutation
        mine = order.view(get_world_size(), -1)[get_rank()]
        return gathered[mine], torch.argsort(order)

    @staticmethod
    @torch.no_grad()
    def unshuffle_across_ranks(keys: torch.Tensor,
                               inverse: torch.Tensor) -> torch.Tensor:
        gathered = torch.cat(all_gather(keys.contiguous()))
        return gathered[inverse.view(get_world_size(), -1)[get_rank()]]

    @torch.no_grad()
    def momentum_keys(self, view: torch.Tensor) -> torch.Tensor:
        """``z_xi_w1`` of view 2, normalised (momentum update first)."""
        self.momentum_encoder.update_parameters(
            nn.Sequential(self.backbone, self.neck))
        if self.shuffle_bn:
            view, inverse = self.shuffle_across_ranks(view)
        keys = F.normalize(self.momentum_encoder(view)[0], dim=1)
        if self.shuffle_bn:
            keys = self.unshuffle_across_ranks(keys, inverse)
        return keys

    def subnet_targets(self, views: List[torch.Tensor],
                       subnets: List[SubNet]) -> SlimCLRTargets:
        """The momentum keys ``z_xi_w1`` of view 2, the queue they are
        contrasted with (as it was before this iteration's keys join it:
        they are enqueued here, into the queue, not into the copy) and the
        weights of Eq. 6."""
        self.check_two_views(views)
        self.check_batch(views[0].shape[0])
        keys = self.momentum_keys(views[1])
        queue = self.queue.clone().detach()
        self.enqueue(keys)
        weights = slimclr_loss_weights([net.width for net in subnets],
                                       self.loss_weight_manner)
        return SlimCLRTargets(keys, weights, negatives=queue)

    def subnet_loss(self, subnet: SubNet, views: List[torch.Tensor],
                    targets: SlimCLRTargets) -> torch.Tensor:
        """Width ``w_i``'s summand of Eq. 7: InfoNCE of view 1's query
        against the keys and the queue (Eq. 1) and, for a sub-network,
        distillation from the full width's probabilities (Eq. 4-5)."""
        targets.check_order(subnet.width)
        with self.subnet(subnet):
            query = self.neck(self.backbone(views[0]))[0]
        logits = contrastive_logits(query, targets.keys, targets.negatives)
        base = info_nce(logits, self.temperature)  # Eq. 1
        # Eq. 4-5 against the full width's p_w1; Eq. 7's summand.
        return targets.width_term(subnet, [logits], base,
                                  self.distill_temperature,
                                  self.subnet_terms)

    def subnet_log(self, subnets: List[SubNet], terms: List[torch.Tensor],
                   targets: SlimCLRTargets) -> Dict[str, torch.Tensor]:
        """``loss`` (the sum of the terms: Eq. 7) and per-width terms."""
        return self.log_subnets(dict(loss=sum(terms)), subnets,
                                targets.logged_terms())
