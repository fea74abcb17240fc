"""SimSiam trained at every sampled width: the S-Net / US-Net baseline of
US3L's Table 2 ("US [31] + SimSiam").

Chen and He, "Exploring Simple Siamese Representation Learning", CVPR 2021
(https://arxiv.org/abs/2011.10566); the per-width form is the naive
adaptation US3L (CVPR 2023, section 4.2, Tables 1-2) compares against.
"""
from typing import List

import torch

from ...registry import MODELS
from ..subnets import SubNet
from .base import PerWidthSelfSupervisor


@MODELS.register_module()
class SlimmableSimSiam(PerWidthSelfSupervisor):
    """SimSiam at each sampled width.

    Every sampled sub-network projects both views, ``z1, z2``, and predicts
    each from the other through the predictor ``h`` (mmpretrain's
    ``LatentPredictHead``: predictor + negative cosine similarity with a
    stop-gradient on the target), SimSiam Eq. 2::

        L = D(h(z1), stopgrad(z2)) / 2 + D(h(z2), stopgrad(z1)) / 2

    The total is the sum over the sampled widths
    (:class:`PerWidthSelfSupervisor`); a static backbone (``width=w``) is
    SimSiam of that one network.

    Args:
        backbone (dict): Slimmable backbone, or static with ``width``.
        neck (dict): Projector with slimmable input (``in_channels=None``).
        head (dict): mmpretrain ``LatentPredictHead`` with its predictor
            (fixed input: the projection dimension).
        sampler, data_preprocessor, init_cfg: See
            :class:`PerWidthSelfSupervisor`.
    """

    term_name = 'simsiam'

    def subnet_loss(self, subnet: SubNet, views: List[torch.Tensor],
                    targets: None) -> torch.Tensor:
        """This width's symmetrised SimSiam loss (Eq. 2)."""
        with self.subnet(subnet, self.backbone, self.neck):
            z1 = self.neck(self.backbone(views[0]))[0]
            z2 = self.neck(self.backbone(views[1]))[0]
        return 0.5 * (self.head.loss(z1, z2) + self.head.loss(z2, z1))
