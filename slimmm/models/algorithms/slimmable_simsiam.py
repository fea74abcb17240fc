"""SimSiam trained at every sampled width: the S-Net / US-Net baseline of
US3L's Table 2 ("US [31] + SimSiam").

Chen and He, "Exploring Simple Siamese Representation Learning", CVPR 2021
(https://arxiv.org/abs/2011.10566); the per-width form is the naive
adaptation US3L (CVPR 2023, section 4.2, Tables 1-2) compares against.
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn

from ...registry import MODELS
from ..subnets import SubNet
from .base import BaseSlimmableSelfSupervisor
from .slimmable_simclr import default_sampler


@MODELS.register_module()
class SlimmableSimSiam(BaseSlimmableSelfSupervisor):
    """SimSiam at each sampled width.

    Every sampled sub-network projects both views, ``z1, z2``, and predicts
    each from the other through the predictor ``h`` (mmpretrain's
    ``LatentPredictHead``: predictor + negative cosine similarity with a
    stop-gradient on the target), SimSiam Eq. 2::

        L = D(h(z1), stopgrad(z2)) / 2 + D(h(z2), stopgrad(z1)) / 2

    The total is the sum over the sampled widths; a static backbone
    (``width=w``) is SimSiam of that one network.

    Args:
        backbone (dict): Slimmable backbone, or static with ``width``.
        neck (dict): Projector with slimmable input (``in_channels=None``).
        head (dict): mmpretrain ``LatentPredictHead`` with its predictor
            (fixed input: the projection dimension).
        sampler (dict, optional): Width schedule; default every listed
            width (S-Net) or the sandwich rule with 4 sub-networks (US-Net).
        data_preprocessor (dict, optional): See
            :class:`BaseSlimmableSelfSupervisor`.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 sampler: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            sampler=sampler or default_sampler(backbone),
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)

    def subnet_targets(self, views: List[torch.Tensor],
                       subnets: List[SubNet]) -> None:
        """Each width's targets are its own stopped projections."""
        self.check_two_views(views)

    def subnet_loss(self, subnet: SubNet, views: List[torch.Tensor],
                    targets: None) -> torch.Tensor:
        """This width's symmetrised SimSiam loss (Eq. 2)."""
        with self.subnet(subnet, self.backbone, self.neck):
            z1 = self.neck(self.backbone(views[0]))[0]
            z2 = self.neck(self.backbone(views[1]))[0]
        return 0.5 * (self.head.loss(z1, z2) + self.head.loss(z2, z1))

    def subnet_log(self, subnets: List[SubNet], terms: List[torch.Tensor],
                   targets: None) -> Dict[str, torch.Tensor]:
        """``loss`` (the sum over widths) and each sub-network's term."""
        losses = self.log_subnets(dict(loss=sum(terms)), subnets)
        for index, value in enumerate(terms):
            losses[f'simsiam_{index}'] = value.detach()
        return losses
