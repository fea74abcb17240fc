"""What every slimmable self-supervised algorithm shares.

* parts built from config (mmpretrain's :class:`BaseSelfSupervisor`); a
  slimmable neck / head / predictor whose ``in_channels`` is left ``None``
  gets the backbone's output spec and width space filled in;
* which sub-networks train this iteration (:class:`WidthSampler`), driven
  by the training progress in mmengine's message hub (``runner.iter``,
  which resume restores), so a resumed run samples exactly what an
  uninterrupted one would;
* :meth:`subnet`: run the online network at one sub-network, restored to
  the full network afterwards;
* the momentum encoder (SlimCLR's momentum network, US3L's momentum
  encoder, DSPNet's target network; the attribute ``momentum_encoder`` in
  every algorithm): an EMA copy of backbone + neck that always runs at
  full width;
* logging of the sampled widths and of each width's loss terms;
* training: one backward per sub-network, one optimizer step
  (:class:`~slimmm.models.subnets.SubnetBackwardMixin`).
"""
import copy
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import ExponentialMovingAverage
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.models.utils import CosineEMA

from ...registry import MODELS
from ..ops import ChannelSpec, fixed_channels, set_width
from ..subnets import (SubNet, SubnetBackwardMixin, WidthSampler, build_phases,
                       set_training_progress, training_progress)


def backbone_out_spec(backbone: nn.Module) -> ChannelSpec:
    """Channels of the backbone's last output as a function of the width
    (fixed for a backbone built static at one width)."""
    if getattr(backbone, 'is_static', False):
        return fixed_channels(backbone.feature_channels()[-1])
    spec = getattr(backbone, 'out_spec', None)
    if spec is not None:
        return spec
    if hasattr(backbone, 'stage_specs') and hasattr(backbone, 'out_indices'):
        return backbone.stage_specs[backbone.out_indices[-1]]
    # MobileNets list every layer's output spec (stem, blocks, last conv).
    if hasattr(backbone, 'output_specs') and hasattr(backbone, 'out_indices'):
        return backbone.output_specs[backbone.out_indices[-1]]
    raise TypeError(
        f'{type(backbone).__name__} exposes no output ChannelSpec '
        '(`out_spec` or `stage_specs` + `out_indices`); give the neck '
        'explicit in_channels.')


def fill_slimmable_cfg(cfg: Optional[Union[dict, nn.Module]],
                       backbone: nn.Module,
                       in_spec: Optional[ChannelSpec] = None
                       ) -> Optional[Union[dict, nn.Module]]:
    """A slimmable neck / head config with ``in_channels=None`` gets the
    backbone output spec (or ``in_spec``) and, unless given, the backbone's
    width space (``widths`` / ``width_range``)."""
    if not isinstance(cfg, dict):
        return cfg
    cfg = copy.copy(dict(cfg))
    if 'in_channels' not in cfg or cfg['in_channels'] is not None:
        return cfg
    cfg['in_channels'] = in_spec or backbone_out_spec(backbone)
    if cfg.get('widths') is None and cfg.get('width_range') is None:
        cfg.pop('widths', None)
        cfg.pop('width_range', None)
        space = backbone.width_space
        if getattr(backbone, 'is_static', False):
            cfg['widths'] = [1.0]
        elif space.universal:
            cfg['width_range'] = (space.min, space.max)
        else:
            cfg['widths'] = list(space.widths)
    return cfg


class BaseSlimmableSelfSupervisor(SubnetBackwardMixin, BaseSelfSupervisor):
    """Base of slimmable self-supervised algorithms.

    Training is :class:`SubnetBackwardMixin`'s: a subclass defines
    ``subnet_targets``, ``subnet_loss`` and ``subnet_log`` (its objective,
    as the paper writes it) and inherits ``loss`` and ``train_step``.

    Args:
        backbone (dict): A slimmable backbone config (or a backbone built
            static with ``width=...`` for single-width baselines).
        neck (dict, optional): Projector. Slimmable necks with
            ``in_channels=None`` get the backbone output spec and widths.
        head (dict, optional): Head, built as is (subclasses may fill it
            with :func:`fill_slimmable_cfg` first).
        sampler (dict, optional): Width schedule:
            ``dict(phases=[...], depths=None, seed=0)`` or
            ``dict(schedule='slow_start', slow_start=0.5)``; names in
            :data:`SCHEDULES`. Default: every width every iteration.
        data_preprocessor (dict, optional): Defaults to mmpretrain's
            ``SelfSupDataPreprocessor``.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 sampler: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        # Built with slimmm's registry (a child of mmengine's root), so both
        # 'SlimmableResNet' and 'mmpretrain.MoCoV2Neck' resolve.
        if not isinstance(backbone, nn.Module):
            backbone = MODELS.build(backbone)
        neck = fill_slimmable_cfg(neck, backbone)
        if isinstance(neck, dict):
            neck = MODELS.build(neck)
        if isinstance(head, dict):
            head = MODELS.build(head)
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
            **kwargs)
        sampler = dict(sampler or dict(schedule='all'))
        self.width_sampler = WidthSampler(
            self.backbone.width_space, build_phases(sampler),
            depths=sampler.get('depths'), seed=sampler.get('seed', 0))

    # ---- building -------------------------------------------------------
    def build_momentum_encoder(self, momentum: float,
                               end_momentum: Optional[float] = None,
                               modules: Optional[Sequence[nn.Module]] = None
                               ) -> ExponentialMovingAverage:
        """EMA copy of ``modules`` (default backbone + neck): ``xi <- m xi +
        (1 - m) theta`` with mmengine's convention ``momentum = 1 - m``
        (the ``momentum`` argument of every algorithm);
        cosine-annealed to ``end_momentum`` when given (MoCov3, DSPNet).

        The copy is taken at full width and never switched, so the target
        always runs the full network (its BN members of other widths stay
        unused).
        """
        modules = list(modules or [self.backbone, self.neck])
        for module in modules:
            if not getattr(module, 'is_static', False):
                set_width(module, 1.0)
        if end_momentum is None:
            return ExponentialMovingAverage(nn.Sequential(*modules),
                                            momentum=momentum)
        # CosineEMA reads max_iters from the runtime info of the Runner.
        return CosineEMA(nn.Sequential(*modules), momentum=momentum,
                         end_momentum=end_momentum)

    # ---- width schedule -------------------------------------------------
    @staticmethod
    def set_progress(iteration: int, max_iters: int) -> None:
        """Drive the width schedule without a Runner (tests, benchmarks):
        :func:`~slimmm.models.subnets.set_training_progress`. In training,
        mmengine's ``RuntimeInfoHook`` keeps the same values."""
        set_training_progress(iteration, max_iters)

    @staticmethod
    def progress():
        """``(iteration, max_iters)`` the sampler uses (the message hub's,
        :func:`~slimmm.models.subnets.training_progress`)."""
        return training_progress()

    def sample_subnets(self) -> List[SubNet]:
        """The sub-networks of this iteration, largest first."""
        if getattr(self.backbone, 'is_static', False):
            return [SubNet(self.backbone.fixed_width)]
        return self.width_sampler.sample(*self.progress())

    def slimmable_modules(self) -> List[nn.Module]:
        """Online modules whose width follows the sub-network."""
        return [m for m in (self.backbone, self.neck, self.head)
                if m is not None]

    def check_two_views(self, inputs) -> None:
        """Refuse a batch that is not a list of at least two views."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            got = (f'{len(inputs)} view(s)'
                   if isinstance(inputs, (list, tuple)) else
                   f'a {type(inputs).__name__}')
            raise ValueError(
                f'{type(self).__name__} needs two views per image, got {got}. '
                'Use a two-view pipeline such as '
                'dict(type="MultiView", num_views=2, transforms=[...]).')

    @contextmanager
    def subnet(self, subnet: SubNet, *modules: nn.Module) -> Iterator[None]:
        """Run ``modules`` (default :meth:`slimmable_modules`) at
        ``subnet``'s width and depth inside the block; full afterwards."""
        if getattr(self.backbone, 'is_static', False):
            yield
            return
        modules = modules or tuple(self.slimmable_modules())
        full = self.backbone.width_space.max
        for module in modules:
            set_width(module, subnet.width)
        if subnet.depth is not None:
            self.backbone.set_depth(subnet.depth)
        try:
            yield
        finally:
            for module in modules:
                set_width(module, full)
            if subnet.depth is not None:
                self.backbone.set_depth(None)

    # ---- logging --------------------------------------------------------
    def log_summed_terms(self, subnets: Sequence[SubNet],
                         terms: Sequence[torch.Tensor],
                         name: str) -> Dict[str, torch.Tensor]:
        """``loss``: the sum of the sub-networks' terms, plus each term as
        ``<name>_<i>`` by sample index (``sampled_i`` holds its width: a
        sandwich draws random widths, whose names would change every
        step)."""
        losses = self.log_subnets(dict(loss=sum(terms)), subnets)
        for index, value in enumerate(terms):
            losses[f'{name}_{index}'] = value.detach()
        return losses

    @staticmethod
    def log_subnets(losses: Dict[str, torch.Tensor],
                    subnets: Sequence[SubNet],
                    terms: Optional[Dict[str, Dict[SubNet, torch.Tensor]]]
                    = None) -> Dict[str, torch.Tensor]:
        """Add the sampled sub-networks and per-width loss terms to the
        loss dict as *logged-only* entries.

        mmengine's ``BaseModel.parse_losses`` sums every key containing
        ``'loss'``; these keys avoid that substring (``n_subnets``,
        ``sampled_0``, ``w0.5_infonce``) and hold detached values, so they
        are logged without being counted twice.

        Args:
            losses (dict): The algorithm's loss dict (updated in place).
            subnets (Sequence[SubNet]): This iteration's sub-networks.
            terms (dict, optional): ``{term_name: {subnet: value}}``, e.g.
                ``{'infonce': {...}, 'distill': {...}}``.

        Returns:
            dict: ``losses``.
        """
        device = next(iter(losses.values())).device if losses else None
        losses['n_subnets'] = torch.tensor(float(len(subnets)),
                                           device=device)
        for index, net in enumerate(subnets):
            losses[f'sampled_{index}'] = torch.tensor(net.width,
                                                      device=device)
        for name, values in (terms or {}).items():
            if 'loss' in name:
                raise ValueError(f'Logged term {name!r} must not contain '
                                 '"loss" (mmengine would sum it).')
            for net, value in values.items():
                losses[f'{net.describe()}_{name}'] = value.detach()
        return losses


class PerWidthSelfSupervisor(BaseSlimmableSelfSupervisor):
    """Base of the naive per-width baselines (US3L Table 2: "US [31] +
    SimCLR / SimSiam"): every sampled sub-network pays the method's own
    loss (:meth:`subnet_loss`, from a stock mmpretrain head) on the batch
    itself, and the total is their sum. Default sampler: every listed width
    (S-Net), or the sandwich rule with 4 sub-networks for a universally
    slimmable backbone (US-Net). A static backbone (``width=w``) is the
    method on that one network.

    Args:
        backbone, neck, head, sampler, data_preprocessor, init_cfg: See
            :class:`BaseSlimmableSelfSupervisor`.
    """

    #: name of each sub-network's logged term
    term_name = 'term'

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 sampler: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        if sampler is None:
            universal = (backbone.get('width_range') is not None
                         if isinstance(backbone, dict) else
                         backbone.width_space.universal)
            sampler = (dict(schedule='sandwich', num_subnets=4)
                       if universal else dict(schedule='all'))
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            sampler=sampler,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)

    def subnet_targets(self, views: List[torch.Tensor],
                       subnets: List[SubNet]) -> None:
        """The targets are the batch itself: nothing to prepare."""
        self.check_two_views(views)

    def subnet_log(self, subnets: List[SubNet], terms: List[torch.Tensor],
                   targets: None) -> Dict[str, torch.Tensor]:
        """``loss`` (the sum over widths) and each sub-network's term."""
        return self.log_summed_terms(subnets, terms, self.term_name)
