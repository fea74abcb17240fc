"""The joint slimmable detector: one detector fine-tuned at every width
together (SlimCLR section 4.3, Table 2; Slimmable Networks, Yu et al.
2019, section 4.3), for any mmdet detector with a backbone and an FPN-like
neck: two-stage (Mask / Faster R-CNN) and one-stage (RetinaNet, FCOS).

Only the backbone is slimmable (switchable BN, or sliced BN for a
universally slimmable backbone). Its width-``w`` features enter ONE
full-width FPN as if they were zero-padded to the full channel count: the
FPN's lateral 1x1 convolutions read only the first ``c(w)`` input channels,
which is the same product without building the padded tensors. Neck and
heads are shared by all widths; a BN inside them gets one member per width
(:class:`SwitchableBatchNorm2d`), never statistics shared across widths.

Each training iteration runs every width of ``train_widths`` (or the
sandwich rule of a ``sampler`` for a universal backbone), one forward and
one backward per width, so only one width's activations are alive at a
time; the gradients add up, then the optimizer steps once (gradient
clipping from the config's optim wrapper). Under DDP
(``model_wrapper_cfg=dict(type='slimmm.SubnetDistributedDataParallel')``)
every backward but the last runs under ``no_sync``: one gradient
all-reduce per iteration.

A width exports as a stock mmdet detector (:meth:`export`): stock ``ResNet``
at that width's channels, stock FPN with that width's ``in_channels``.

Another mmdet detector joins in two lines (the mixin first, so that it sees
the config before the stock class builds)::

    @MODELS.register_module()
    class JointATSS(JointSlimmableDetector, mmdet.models.detectors.ATSS):
        stock_type = 'ATSS'
"""
import copy
from typing import Callable, Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmdet.models.detectors import FCOS as MMDetFCOS
from mmdet.models.detectors import FasterRCNN as MMDetFasterRCNN
from mmdet.models.detectors import MaskRCNN as MMDetMaskRCNN
from mmdet.models.detectors import RetinaNet as MMDetRetinaNet
from mmengine.config import ConfigDict
from mmengine.optim import OptimWrapper

from ...registry import MODELS
from ..backbones.base import BaseSlimmableBackbone
from ..export import stock_backbone_config
from ..ops import (ChannelSpec, CPUSyncBatchNorm, SlimmableConv2d,
                   SwitchableBatchNorm2d, convert_to_static, fixed_channels,
                   metric_prefix, set_width, using_width)
from ..subnets import (WidthSampler, backward_each, build_phases,
                       training_progress)
from .slim_heads import group_norm_default, head_channel_spec, heads_config_at
from .slim_heads import slim_neck_and_heads as slim_neck_and_heads_of
from .width_matched import match_neck_to_backbone

_BN_TYPES = (nn.modules.batchnorm._BatchNorm, )


def _plain(cfg) -> Optional[Dict]:
    if cfg is None:
        return None
    return cfg.to_dict() if isinstance(cfg, ConfigDict) else \
        copy.deepcopy(dict(cfg))


def feature_specs(backbone: nn.Module) -> List[ChannelSpec]:
    """Channels of each backbone output as a function of the width."""
    specs = getattr(backbone, 'stage_specs', None) or getattr(
        backbone, 'output_specs', None)
    if specs is None:
        raise TypeError(
            f'{type(backbone).__name__} does not describe its output '
            'channels per width (stage_specs / output_specs); the joint '
            'detector needs a slimmm backbone such as slimmm.SlimmableResNet.')
    return [specs[i] for i in backbone.out_indices]


def norm_layer_names(module: nn.Module) -> List[str]:
    """Names of the BN layers (layers with batch statistics) in
    ``module``."""
    return [name for name, m in module.named_modules()
            if isinstance(m, _BN_TYPES)]


def _norm_cfg_of(bn: nn.modules.batchnorm._BatchNorm) -> Dict:
    # CPUSyncBN stays CPUSyncBN (several CPU processes), torch's stays SyncBN
    return dict(type=type(bn) if isinstance(bn, CPUSyncBatchNorm) else
                'SyncBN' if isinstance(bn, nn.SyncBatchNorm) else 'BN',
                eps=bn.eps, momentum=bn.momentum,
                requires_grad=bn.weight is None or bn.weight.requires_grad)


def switch_norms_per_width(
        module: nn.Module, widths: Sequence[float],
        spec_of: Callable[[int], ChannelSpec] = fixed_channels) -> int:
    """Replace, in place, every BN of ``module`` by a switchable BN with one
    copy of it per width (statistics and affine parameters private to each
    width). Returns how many.

    Args:
        module (nn.Module): The neck or a head.
        widths (Sequence[float]): One member per width.
        spec_of (Callable): The channels of a BN with ``num_features``
            channels as a function of the width (default: the same at every
            width); each member starts from the BN's leading channels.
    """
    count = 0
    for name, child in list(module.named_children()):
        if isinstance(child, _BN_TYPES):
            if not isinstance(child, (nn.BatchNorm2d, nn.SyncBatchNorm,
                                      CPUSyncBatchNorm)):
                raise TypeError(
                    f'{type(child).__name__} {name!r}: only 2d BN layers in '
                    'necks and heads can be made switchable per width.')
            switchable = SwitchableBatchNorm2d(
                spec_of(child.num_features), widths, _norm_cfg_of(child))
            for member in switchable.norms.values():
                member.load_state_dict({
                    key: value[:member.num_features] if value.dim() else value
                    for key, value in child.state_dict().items()})
            setattr(module, name, switchable)
            count += 1
        else:
            count += switch_norms_per_width(child, widths, spec_of)
    return count


def read_leading_input_channels(neck: nn.Module,
                                specs: Sequence[ChannelSpec]) -> None:
    """Make the lateral convolutions of an FPN-like neck read only the
    first ``spec.at(width)`` channels of their input: the same result as
    zero-padding the width's features to the full channel count, without
    building the padded tensors. Parameter names and shapes are unchanged.
    """
    laterals = getattr(neck, 'lateral_convs', None)
    if laterals is None:
        raise TypeError(
            f'The joint detector feeds every width into one full-width neck '
            f'through its lateral convolutions; {type(neck).__name__} has no '
            '`lateral_convs`. Use an FPN-like neck (mmdet FPN, PAFPN).')
    start = getattr(neck, 'start_level', 0)
    for index, lateral in enumerate(laterals):
        conv = lateral.conv
        spec = specs[start + index]
        lateral.conv = _reading_leading_channels(conv, spec)
    if getattr(neck, 'add_extra_convs', False) == 'on_input':
        # RetinaNet's FPN: the first extra level convolves the backbone's
        # last used output itself (mmdet FPN: fpn_convs[len(laterals)]).
        extra = neck.fpn_convs[len(laterals)]
        extra.conv = _reading_leading_channels(
            extra.conv, specs[neck.backbone_end_level - 1])


def _reading_leading_channels(conv: nn.Conv2d,
                              spec: ChannelSpec) -> SlimmableConv2d:
    """``conv`` (same weights) reading the first ``spec.at(width)`` input
    channels."""
    if conv.in_channels != spec.max or conv.groups != 1:
        raise ValueError(
            f'A neck conv reading the backbone has {conv.in_channels} input '
            f'channels; the backbone gives {spec.max} at full width (set '
            'neck.in_channels to the full-width channels).')
    sliced = SlimmableConv2d(spec, fixed_channels(conv.out_channels),
                             conv.kernel_size, stride=conv.stride,
                             padding=conv.padding, dilation=conv.dilation,
                             bias=conv.bias is not None)
    sliced.load_state_dict(conv.state_dict())
    return sliced


class JointSlimmableDetector:
    """Mixin that trains a stock mmdet detector at all widths of a
    slimmable backbone; the stock class follows it in the bases
    (:class:`JointMaskRCNN`, :class:`JointRetinaNet`, ...).

    Takes the stock detector's arguments (a stock Mask R-CNN / RetinaNet /
    ... config), with ``backbone`` a slimmable backbone without ``width``
    and ``neck.in_channels`` the backbone's full-width channels (filled in
    when None or left out).

    Args:
        train_widths (Sequence[float], optional): Widths trained every
            iteration, widest first (default: every width of a switchable
            backbone; SlimCLR: ``[1.0, 0.75, 0.5, 0.25]``).
        sampler (dict, optional): Instead of ``train_widths``: a width
            schedule as the SSL algorithms' (``dict(schedule='sandwich',
            num_subnets=4)``: largest, smallest and two random widths per
            iteration; the default for a universal backbone), seeded by
            (seed, iteration).
        loss_weights (Sequence[float], optional): Weight of each trained
            width's loss (default 1 each, SlimCLR), one per sub-network of
            an iteration.
        eval_widths (Sequence[float], optional): Widths the per-width
            val/test loops evaluate (default: ``train_widths``, or
            ``1.0, 0.75, 0.5, 0.25`` for a universal backbone).
        slim_neck_and_heads (bool): Let the FPN and head channels follow
            the width too (:mod:`.slim_heads`; beyond the papers, which
            slim the backbone only), so that a narrow width costs about
            its share of the whole detector. Default False.
        **kwargs: The stock detector's arguments (``rpn_head``,
            ``roi_head``, ``bbox_head``, ``train_cfg``, ...).
    """

    #: The mmdet detector a width exports to.
    stock_type: str = ''

    def __init__(self,
                 backbone: Dict,
                 neck: Dict,
                 train_widths: Optional[Sequence[float]] = None,
                 sampler: Optional[Dict] = None,
                 loss_weights: Optional[Sequence[float]] = None,
                 eval_widths: Optional[Sequence[float]] = None,
                 slim_neck_and_heads: bool = False,
                 **kwargs) -> None:
        if _plain(backbone).get('width') is not None:
            raise ValueError(
                f'{type(self).__name__} trains every width of one backbone; '
                f"remove model.backbone.width={_plain(backbone)['width']} "
                '(or use the per-width protocol, which fine-tunes one width '
                'per run).')
        # Two-stage detectors read train_cfg.rpn / test_cfg.rpn as
        # attributes.
        for key in ('train_cfg', 'test_cfg'):
            if kwargs.get(key) is not None:
                kwargs[key] = ConfigDict(kwargs[key])
        # Every width enters the full-width neck: its in_channels are the
        # backbone's at full width (filled in when None).
        neck = _plain(neck)
        neck.setdefault('in_channels', None)
        neck = match_neck_to_backbone(_plain(backbone), neck)
        # Before the stock class adds train_cfg / test_cfg to its heads.
        stock_cfg = dict(backbone=_plain(backbone), neck=neck,
                         **{k: _plain(v) for k, v in kwargs.items()})
        super().__init__(backbone=backbone, neck=copy.deepcopy(neck),
                         **kwargs)
        if not isinstance(self.backbone, BaseSlimmableBackbone):
            raise TypeError(
                f'{type(self).__name__} needs a slimmable backbone (e.g. '
                "type='slimmm.SlimmableResNet', widths=[1.0, 0.75, 0.5, "
                f"0.25]); got {type(self.backbone).__name__}.")
        space = self.backbone.width_space
        specs = feature_specs(self.backbone)
        self._stock_cfg = stock_cfg

        if sampler is not None and train_widths is not None:
            raise ValueError('Give train_widths or sampler, not both.')
        if sampler is None and space.universal and train_widths is None:
            sampler = dict(schedule='sandwich', num_subnets=4)
        self.width_sampler = None
        if sampler is not None:
            self.width_sampler = WidthSampler(
                space, build_phases(sampler), seed=sampler.get('seed', 0))
            self.train_widths = None
        else:
            self.train_widths = self._check_widths(
                train_widths or space.widths, 'train_widths')
        if eval_widths is None:
            eval_widths = (self.train_widths or
                           [w for w in (1.0, 0.75, 0.5, 0.25)
                            if w >= space.min])
        self.eval_widths = self._check_widths(eval_widths, 'eval_widths')
        per_iteration = len(self.train_widths or self.sample_widths(0, 1))
        if loss_weights is not None and len(loss_weights) != per_iteration:
            raise ValueError(
                f'loss_weights {list(loss_weights)} must give one weight per '
                f'width trained in an iteration ({per_iteration}).')
        self.loss_weights = (list(map(float, loss_weights)) if loss_weights
                             else [1.0] * per_iteration)

        heads = {part: getattr(self, part)
                 for part in ('neck', 'rpn_head', 'roi_head', 'bbox_head')
                 if isinstance(getattr(self, part, None), nn.Module)}
        normed = [f'{part}.{name}' for part, module in heads.items()
                  for name in norm_layer_names(module)]
        if normed and space.universal:
            raise ValueError(
                f'The neck / heads have BN layers ({normed[0]}, ... '
                f'{len(normed)} in all) and the backbone is universally '
                'slimmable: there is no finite list of widths to give them '
                'per-width statistics, and sharing one BN across widths is '
                'wrong. Remove norm_cfg from the neck and heads (SlimCLR '
                'shares norm-free heads) or use a switchable backbone '
                '(widths=[...]).')
        read_leading_input_channels(self.neck, specs)
        self.head_spec = None
        if slim_neck_and_heads:
            self.head_spec = head_channel_spec(self.neck.out_channels)
            slim_neck_and_heads_of(self, self.head_spec,
                                   stock_cfg.get('roi_head'))
        for module in heads.values():
            switch_norms_per_width(module, space.widths, self._norm_spec)

    def _norm_spec(self, channels: int) -> ChannelSpec:
        """Channels of a neck / head BN: the FPN's width-following ones
        with slimmed heads, else the same at every width."""
        if self.head_spec is not None and channels == self.head_spec.max:
            return self.head_spec
        return fixed_channels(channels)

    # ---- widths ---------------------------------------------------------
    def _check_widths(self, widths: Sequence[float],
                      what: str) -> List[float]:
        checked = []
        for width in widths:
            try:
                checked.append(self.backbone.check_width(width))
            except ValueError as error:
                raise ValueError(f'{what}: {error}') from None
        return checked

    def check_width(self, width: float) -> float:
        return self.backbone.check_width(width)

    def sample_widths(self, iteration: int, max_iters: int) -> List[float]:
        """The widths trained at ``iteration`` (the same on every rank)."""
        if self.width_sampler is None:
            return list(self.train_widths)
        return [s.width for s in self.width_sampler.sample(iteration,
                                                           max_iters)]

    # ---- forward / training ---------------------------------------------
    def forward(self, inputs: torch.Tensor, data_samples=None,
                mode: str = 'tensor', width: Optional[float] = None):
        """mmdet's modes, at ``width`` when given (restored afterwards)."""
        if width is None:
            return super().forward(inputs, data_samples, mode)
        if mode == 'loss':
            return self.subnet_loss(width, inputs, data_samples)
        with using_width(self, width):
            return super().forward(inputs, data_samples, mode)

    def subnet_loss(self, width: float, inputs: torch.Tensor,
                    data_samples) -> Dict[str, torch.Tensor]:
        """The mmdet loss dict of the detector at ``width`` (what each
        width's forward through a DDP wrapper computes)."""
        with using_width(self, width):
            return self.loss(inputs, data_samples)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper,
                   ddp: Optional[nn.Module] = None
                   ) -> Dict[str, torch.Tensor]:
        """One iteration: forward + backward of each width in turn
        (gradients add up), then one optimizer step: the loop of the
        self-supervised algorithms
        (:func:`~slimmm.models.subnets.backward_each`), each width's term
        its weighted mmdet loss.

        Args:
            data: A batch from the dataloader.
            optim_wrapper (OptimWrapper): The Runner's optimizer wrapper.
            ddp (nn.Module, optional): The DDP wrapper around this model
                (``slimmm.SubnetDistributedDataParallel``); widths then run
                through its forward, all but the last under its
                ``no_sync()``: one gradient all-reduce per iteration.

        Returns:
            dict: ``loss`` (the weighted sum) and each width's loss terms
            (``width_0.5/loss_cls``, ...; ``subnet<i>/...`` and the width
            for sampled widths).
        """
        runner = self if ddp is None else ddp
        widths = self.sample_widths(*training_progress())
        with optim_wrapper.optim_context(runner):
            data = self.data_preprocessor(data, True)
        log_vars: Dict[str, torch.Tensor] = {}

        def weighted_loss(index: int) -> torch.Tensor:
            losses = runner(**data, mode='loss', width=widths[index])
            loss, terms = self.parse_losses(losses)
            key = metric_prefix(widths[index]) \
                if self.width_sampler is None else f'subnet{index}'
            if self.width_sampler is not None:
                log_vars[f'{key}/width'] = torch.tensor(float(widths[index]))
            log_vars.update({f'{key}/{name}': value
                             for name, value in terms.items()})
            return loss * self.loss_weights[index]

        terms = backward_each(runner, optim_wrapper, range(len(widths)),
                              weighted_loss)
        return dict(loss=sum(terms), **log_vars)

    # ---- export ---------------------------------------------------------
    def plain_config(self, width: float) -> Dict:
        """The stock mmdet model config equal to this detector at
        ``width`` (a dict ``mmdet.registry.MODELS.build`` accepts). Where
        no stock backbone has the width's channels (per-layer rounding),
        the backbone is slimmm's static network of that width
        (``width=w``; slimmm imported) and the rest stays stock."""
        width = self.check_width(width)
        backbone = stock_backbone_config(self.backbone,
                                         self._stock_cfg['backbone'], width)
        cfg = copy.deepcopy(self._stock_cfg)
        if self.head_spec is not None:
            for part in ('neck', 'rpn_head', 'roi_head', 'bbox_head'):
                if cfg.get(part) is not None:
                    cfg[part] = heads_config_at(
                        cfg[part], self.head_spec.max,
                        self.head_spec.at(width),
                        group_norm_default(getattr(self, part), width))
        cfg.update(type=self.stock_type, backbone=backbone)
        cfg['neck']['in_channels'] = self.backbone.feature_channels(width)
        return {k: v for k, v in cfg.items() if v is not None}

    def export(self, width: float, source: Optional[str] = None,
               calibrated: bool = False) -> Dict:
        """The checkpoint dict of the stock detector at ``width``:
        ``state_dict`` (stock keys and shapes) and ``meta``
        (``plain_config``: the stock model config).

        A universally slimmable backbone shares its BN statistics over all
        widths: recalibrate them at ``width`` first (``calibrate_bn`` on
        ``self.backbone``) and pass ``calibrated=True``.
        """
        width = self.check_width(width)
        if self.backbone.width_space.universal and not calibrated:
            raise ValueError(
                'A universally slimmable joint detector shares BN statistics '
                f'over all widths: recalibrate them at width {width} first '
                '(export_width.py --calib-data DIR, a folder of training '
                'images), then export.')
        static = copy.deepcopy(self)
        set_width(static, width)
        convert_to_static(static, width)
        state_dict = {k: v.detach().clone()
                      for k, v in static.state_dict().items()}
        return dict(state_dict=state_dict,
                    meta=dict(width=width,
                              plain_config=self.plain_config(width),
                              universal=self.backbone.width_space.universal,
                              protocol='joint', source=source))


@MODELS.register_module()
class JointMaskRCNN(JointSlimmableDetector, MMDetMaskRCNN):
    """Mask R-CNN trained at all widths (SlimCLR Table 2); see
    :class:`JointSlimmableDetector`."""

    stock_type = 'MaskRCNN'


@MODELS.register_module()
class JointFasterRCNN(JointSlimmableDetector, MMDetFasterRCNN):
    """Faster R-CNN trained at all widths; see
    :class:`JointSlimmableDetector`."""

    stock_type = 'FasterRCNN'


@MODELS.register_module()
class JointRetinaNet(JointSlimmableDetector, MMDetRetinaNet):
    """RetinaNet trained at all widths; see
    :class:`JointSlimmableDetector`."""

    stock_type = 'RetinaNet'


@MODELS.register_module()
class JointFCOS(JointSlimmableDetector, MMDetFCOS):
    """FCOS trained at all widths; see :class:`JointSlimmableDetector`."""

    stock_type = 'FCOS'


def is_joint_config(model_cfg) -> bool:
    """Whether a model config builds a joint slimmable detector."""
    type_name = model_cfg.get('type') if hasattr(model_cfg, 'get') else None
    if not isinstance(type_name, str):
        return False
    cls = MODELS.module_dict.get(type_name.split('.')[-1])
    return cls is not None and issubclass(cls, JointSlimmableDetector)


def build_joint_detector(model_cfg) -> JointSlimmableDetector:
    """Build a joint detector from its model config on one process (SyncBN
    reverted to BN, no pretrained weights loaded)."""
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import DefaultScope
    cfg = _plain(model_cfg)
    cfg['backbone'] = dict(cfg['backbone'], init_cfg=None)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(ConfigDict(cfg))
    if not isinstance(model, JointSlimmableDetector):
        raise TypeError(f'{cfg["type"]} is not a joint slimmable detector.')
    return revert_sync_batchnorm(model)
