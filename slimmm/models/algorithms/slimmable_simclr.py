"""SimCLR trained at every sampled width: the S-Net / US-Net baseline of
US3L's Table 2 ("US [31] + SimCLR").

Chen et al., "A Simple Framework for Contrastive Learning of Visual
Representations", ICML 2020 (https://arxiv.org/abs/2002.05709); the
per-width form is the naive adaptation US3L (CVPR 2023, section 4.2,
Table 2) compares against.
"""
from typing import List

import torch
import torch.nn.functional as F
# All-gather that passes the gradient back to every process (mmpretrain's).
from mmpretrain.models.selfsup.simclr import GatherLayer

from ...registry import MODELS
from ..subnets import SubNet
from .base import PerWidthSelfSupervisor


def nt_xent_similarities(z1: torch.Tensor, z2: torch.Tensor):
    """SimCLR's similarities of the 2N projections of a batch (gathered
    over processes): for each of them the positive (its other view) and
    the 2N - 2 negatives (every other image), as ``(2N, 1)`` and
    ``(2N, 2N - 2)`` cosine similarities, in the order of
    ``torch.cat([z1, z2])``."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    z = torch.cat(GatherLayer.apply(z), dim=0)
    # Gathered order: [z1_r0, z2_r0, z1_r1, z2_r1, ...]; a row's positive
    # is the other view of the same image in the same block.
    n = z1.size(0)
    index = torch.arange(z.size(0), device=z.device)
    block, offset = index // (2 * n), index % (2 * n)
    positive_index = block * 2 * n + (offset + n) % (2 * n)
    similarity = z @ z.t()
    positive = similarity[index, positive_index].unsqueeze(1)
    negative_mask = torch.ones_like(similarity, dtype=torch.bool)
    negative_mask[index, index] = False
    negative_mask[index, positive_index] = False
    negative = similarity[negative_mask].reshape(z.size(0), -1)
    return positive, negative


@MODELS.register_module()
class SlimmableSimCLR(PerWidthSelfSupervisor):
    """SimCLR at each sampled width.

    Every sampled sub-network (all listed widths of an S-Net; largest,
    smallest and random widths of a US-Net) projects both views and pays its
    own NT-Xent loss (SimCLR Eq. 1: cross-entropy of the positive against
    the 2N - 2 in-batch negatives at temperature ``tau``, mmpretrain's
    ``ContrastiveHead``); the total is their sum
    (:class:`PerWidthSelfSupervisor`). A static backbone (``width=w``) is
    SimCLR of that one network (Table 2's individually trained rows).

    Args:
        backbone (dict): Slimmable backbone, or static with ``width``.
        neck (dict): Projector with slimmable input (``in_channels=None``).
        head (dict): mmpretrain ``ContrastiveHead`` (its ``temperature`` is
            ``tau``; US3L Table 11: 0.5).
        sampler, data_preprocessor, init_cfg: See
            :class:`PerWidthSelfSupervisor`.
    """

    term_name = 'ntxent'

    def subnet_loss(self, subnet: SubNet, views: List[torch.Tensor],
                    targets: None) -> torch.Tensor:
        """This width's NT-Xent loss over both views (one forward of the
        2N images, so BN normalises over both views, as SimCLR does)."""
        with self.subnet(subnet, self.backbone, self.neck):
            z = self.neck(self.backbone(torch.cat(views[:2])))[0]
        return self.head.loss(*nt_xent_similarities(*z.chunk(2)))
