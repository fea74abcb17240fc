"""Neck and heads whose channels follow the width (an option of the joint
detector, beyond the papers).

With backbone-only slimming (SlimCLR Table 2) a width-0.25 Mask R-CNN R-50
keeps its full-width FPN and heads, which then cost most of the detector.
Here every tensor of the neck and heads that has the FPN's channel count
``C`` (FPN outputs, RPN / RetinaNet / FCOS tower convs, RoI features, mask
head convs) gets ``c(w) = make_divisible(C * w, 8)`` channels at width
``w``; the predictors (class scores, box deltas, centerness, mask logits)
keep their outputs. Each layer keeps its full-width parameters and stock
name and uses their leading block, so a width exports to the stock mmdet
detector whose config has ``c(w)`` in place of ``C``
(:func:`heads_config_at`).

Which layer reads or writes FPN-width tensors is read off its channel
counts (``in == C``, ``out == C``, a fully connected layer reading ``C``
RoI maps flattened), the rule of the stock mmdet heads, whose towers are all
``C`` wide; the export test checks each supported detector against the
stock one built from the rewritten config.
"""
import copy
from typing import Dict, List, Mapping, Optional, Sequence

import torch.nn as nn
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor

from ..ops import (ChannelSpec, SlicedGroupNorm, SlimmableConv2d,
                   SlimmableConvTranspose2d, SlimmableLinear, SlimmableMixin,
                   fixed_channels)

#: Layers whose outputs are predictions, never slimmed (mmdet's names).
PREDICTORS = frozenset((
    'rpn_cls', 'rpn_reg', 'retina_cls', 'retina_reg', 'conv_cls',
    'conv_reg', 'conv_centerness', 'fc_cls', 'fc_reg', 'conv_logits'))
#: Config keys that hold a channel count of a neck or head.
CHANNEL_KEYS = ('in_channels', 'out_channels', 'feat_channels',
                'conv_out_channels', 'fc_out_channels')
#: Rounding of the slimmed neck / head channels (multiples of 8, as
#: MobileNets round: never below 0.9 of C * w).
HEAD_CHANNEL_DIVISOR = 8


def head_channel_spec(channels: int) -> ChannelSpec:
    """The channels of an FPN-width tensor as a function of the width."""
    return ChannelSpec(channels, divisor=HEAD_CHANNEL_DIVISOR)


class WidthFollowingRoIExtractor(SlimmableMixin, SingleRoIExtractor):
    """mmdet's ``SingleRoIExtractor`` whose output channels follow the width
    (it allocates its output with ``out_channels``).

    Args:
        spec (ChannelSpec): The FPN's channels as a function of the width.
        **kwargs: ``SingleRoIExtractor`` arguments.
    """

    def __init__(self, spec: ChannelSpec, **kwargs) -> None:
        self.spec = spec
        self._init_kwargs = copy.deepcopy(kwargs)
        super().__init__(**kwargs)

    @property
    def out_channels(self) -> int:
        return self.spec.at(self.width)

    @out_channels.setter
    def out_channels(self, channels: int) -> None:
        if channels != self.spec.max:
            raise ValueError(f'out_channels {channels} != the FPN\'s '
                             f'{self.spec.max}.')

    def to_static(self, width: float) -> SingleRoIExtractor:
        return SingleRoIExtractor(**dict(self._init_kwargs,
                                         out_channels=self.spec.at(width)))


def _spec_if(matches: bool, spec: ChannelSpec,
             channels: int) -> ChannelSpec:
    return spec if matches else fixed_channels(channels)


def _slimmed(name: str, module: nn.Module, spec: ChannelSpec,
             roi_areas: Sequence[int]) -> Optional[nn.Module]:
    """The slimmable replacement of one layer, or None to keep it."""
    full = spec.max
    leaf = name.rsplit('.', 1)[-1]
    if isinstance(module, (SlimmableConv2d, SlimmableConvTranspose2d)):
        # Laterals made by read_leading_input_channels: backbone in, C out.
        if leaf in PREDICTORS or module.out_channels != full:
            return None
        replacement = SlimmableConv2d(
            module.in_spec, spec, module.kernel_size, stride=module.stride,
            padding=module.padding, dilation=module.dilation,
            bias=module.bias is not None)
    elif isinstance(module, nn.GroupNorm):
        if module.num_channels != full:
            return None
        replacement = SlicedGroupNorm(spec, module.num_groups, module.eps,
                                      module.affine)
    elif isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        reads, writes = (module.in_channels == full,
                         module.out_channels == full and
                         leaf not in PREDICTORS)
        if not (reads or writes) or module.groups != 1:
            return None
        in_spec = _spec_if(reads, spec, module.in_channels)
        out_spec = _spec_if(writes, spec, module.out_channels)
        kwargs = dict(stride=module.stride, padding=module.padding,
                      bias=module.bias is not None)
        if isinstance(module, nn.ConvTranspose2d):
            replacement = SlimmableConvTranspose2d(
                in_spec, out_spec, module.kernel_size, **kwargs)
        else:
            replacement = SlimmableConv2d(
                in_spec, out_spec, module.kernel_size,
                dilation=module.dilation, **kwargs)
    elif isinstance(module, nn.Linear):
        area = module.in_features // full
        reads = module.in_features % full == 0 and area in roi_areas
        writes = module.out_features == full and leaf not in PREDICTORS
        if not (reads or writes):
            return None
        replacement = SlimmableLinear(
            spec.times(area) if reads else fixed_channels(
                module.in_features),
            _spec_if(writes, spec, module.out_features),
            bias=module.bias is not None)
    else:
        return None
    replacement.load_state_dict(module.state_dict())
    for new, old in zip(replacement.parameters(), module.parameters()):
        new.requires_grad_(old.requires_grad)
    return replacement


def _roi_extractors(roi_head: Optional[nn.Module]) -> List[str]:
    if roi_head is None:
        return []
    return [name for name in ('bbox_roi_extractor', 'mask_roi_extractor')
            if isinstance(getattr(roi_head, name, None), nn.Module)]


def slim_neck_and_heads(detector: nn.Module, spec: ChannelSpec,
                        roi_head_cfg: Optional[Mapping] = None) -> int:
    """Make, in place, every FPN-width convolution, linear layer and
    GroupNorm of the detector's neck and heads follow the width (see the
    module docstring); BN layers are left to the caller (one member per
    width). Returns how many layers were replaced.

    Args:
        detector (nn.Module): An mmdet detector (neck and heads built).
        spec (ChannelSpec): The FPN's channels as a function of the width.
        roi_head_cfg (Mapping, optional): The config of ``roi_head``, whose
            RoI extractors are rebuilt to follow the width.

    Raises:
        TypeError: A RoI extractor other than mmdet's
            ``SingleRoIExtractor`` (e.g. a cascade's list of them).
    """
    roi_head = getattr(detector, 'roi_head', None)
    roi_areas = []
    for name in _roi_extractors(roi_head):
        extractor = getattr(roi_head, name)
        if type(extractor) is not SingleRoIExtractor:
            raise TypeError(
                f'roi_head.{name} is a {type(extractor).__name__}; slimmed '
                "heads support mmdet's SingleRoIExtractor (Mask / Faster "
                'R-CNN), not cascades.')
        size = extractor.roi_layers[0].output_size
        roi_areas.append(size[0] * size[1])
        kwargs = copy.deepcopy(dict(roi_head_cfg[name]))
        kwargs.pop('type', None)
        setattr(roi_head, name, WidthFollowingRoIExtractor(spec, **kwargs))
    count = 0
    for part in ('neck', 'rpn_head', 'roi_head', 'bbox_head'):
        module = getattr(detector, part, None)
        if isinstance(module, nn.Module):
            count += _replace(module, spec, roi_areas)
    return count


def _replace(module: nn.Module, spec: ChannelSpec,
             roi_areas: Sequence[int], prefix: str = '') -> int:
    count = 0
    for name, child in list(module.named_children()):
        full_name = f'{prefix}.{name}' if prefix else name
        replacement = _slimmed(full_name, child, spec, roi_areas)
        if replacement is not None:
            setattr(module, name, replacement)
            count += 1
        elif not isinstance(child, SlimmableMixin):
            count += _replace(child, spec, roi_areas, full_name)
    return count


def group_norm_default(part: nn.Module, width: float) -> Optional[Dict]:
    """The ``norm_cfg`` of a part's sliced GroupNorm layers at ``width``
    (for a head that uses GN by default without a ``norm_cfg`` in its
    config, such as mmdet's ``FCOSHead``), or None without any."""
    for module in part.modules():
        if isinstance(module, SlicedGroupNorm):
            return dict(type='GN', num_groups=module.groups_at(width),
                        requires_grad=module.weight is None or
                        module.weight.requires_grad)
    return None


def heads_config_at(cfg: Mapping, full: int, channels: int,
                    group_norm: Optional[Dict] = None) -> Dict:
    """A neck / head config with the FPN width ``full`` replaced by
    ``channels``: every channel key holding ``full``; GroupNorm's groups
    scaled to keep the channels per group; ``group_norm`` (the part's GN at
    this width) where the config has no ``norm_cfg`` of its own."""
    out = _channels_replaced(cfg, full, channels)
    if group_norm is not None and out.get('norm_cfg') is None:
        out['norm_cfg'] = group_norm
    return out


def _channels_replaced(cfg, full: int, channels: int):
    if isinstance(cfg, Mapping):
        out = {}
        for key, value in cfg.items():
            if key in CHANNEL_KEYS and value == full:
                out[key] = channels
            elif key == 'norm_cfg' and isinstance(value, Mapping) and \
                    value.get('type') == 'GN':
                out[key] = dict(value, num_groups=value['num_groups'] *
                                channels // full)
            else:
                out[key] = _channels_replaced(value, full, channels)
        return out
    if isinstance(cfg, list):
        return [_channels_replaced(v, full, channels) for v in cfg]
    return copy.deepcopy(cfg)
