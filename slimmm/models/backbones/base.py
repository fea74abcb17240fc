"""What every slimmable backbone shares: its width space, the width state,
building at one fixed width, and loading slimmable checkpoints."""
import copy
from typing import Dict, List, Optional, Sequence

import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.model import BaseModule

from ...utils.checkpoint import (load_state_dict_strict, read_checkpoint,
                                 state_dict_of, strip_prefix)
from ..ops import (BATCH_NORM_TYPES, ChannelSpec, build_slimmable_bn,
                   build_width_space, convert_to_static, set_width)


class BaseSlimmableBackbone(BaseModule):
    """Base of slimmable backbones.

    Args:
        widths (Sequence[float], optional): Widths of a slimmable network
            with switchable BN, descending from 1.0, e.g.
            ``[1.0, 0.75, 0.5, 0.25]``.
        width_range (Sequence[float], optional): ``(min, 1.0)`` for a
            universally slimmable network (any width, sliced BN that is
            recalibrated per width). Give exactly one of the two.
        width (float, optional): Build a static network of this width only
            (plain layers, no slicing at run time), e.g. for detection
            fine-tuning of one width. ``init_cfg=dict(type='Pretrained',
            checkpoint=...)`` may then point at a slimmable checkpoint with
            the given ``widths``; the width is cut out of it by name.
        norm_cfg (dict): Norm config of every BN, e.g. ``dict(type='SyncBN',
            requires_grad=True)``.
        norm_eval (bool): Keep BN layers in eval mode while training.
        init_cfg (dict, optional): mmengine init config.
    """

    def __new__(cls, *args, **kwargs):
        # Remember the constructor arguments: a static backbone rebuilds its
        # slimmable twin from them to read a slimmable checkpoint.
        obj = super().__new__(cls)
        object.__setattr__(obj, '_build_args', (args, copy.deepcopy(kwargs)))
        return obj

    def __init__(self,
                 widths: Optional[Sequence[float]] = None,
                 width_range: Optional[Sequence[float]] = None,
                 width: Optional[float] = None,
                 norm_cfg: Dict = dict(type='BN', requires_grad=True),
                 norm_eval: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg)
        if widths is None and width_range is None:
            widths = [1.0]
        self.width_space = build_width_space(widths, width_range)
        self.fixed_width = (None if width is None else
                            self.width_space.check(width))
        self.norm_cfg = dict(norm_cfg)
        self.norm_eval = norm_eval
        self.current_width = self.width_space.max

    # ---- building -------------------------------------------------------
    def norm(self, spec: ChannelSpec) -> nn.Module:
        """The BN for a tensor of ``spec`` channels (switchable or sliced)."""
        return build_slimmable_bn(self.norm_cfg, spec, self.width_space)

    @staticmethod
    def check_stage_indices(out_indices: Sequence[int], frozen_stages: int,
                            num_outputs: int,
                            max_frozen: Optional[int] = None) -> None:
        """Refuse output / frozen stage indices outside the network before
        anything is built: outputs are ``0 .. num_outputs - 1``; frozen
        stages count up to ``max_frozen`` (default ``num_outputs - 1``; a
        ResNet counts its stem as stage 0 there, so ``num_outputs``)."""
        for index in out_indices:
            if index not in range(num_outputs):
                raise ValueError(f'out_indices must be in range(0, '
                                 f'{num_outputs}), got {tuple(out_indices)}.')
        last = num_outputs - 1 if max_frozen is None else max_frozen
        if frozen_stages not in range(-1, last + 1):
            raise ValueError(f'frozen_stages must be in range(-1, '
                             f'{last + 1}), got {frozen_stages}.')

    def _finish_build(self) -> None:
        """Called by subclasses at the end of ``__init__``."""
        if self.fixed_width is not None:
            set_width(self, self.fixed_width)
            convert_to_static(self, self.fixed_width)

    # ---- width state ----------------------------------------------------
    @property
    def widths(self) -> List[float]:
        return list(self.width_space.widths)

    @property
    def is_static(self) -> bool:
        return self.fixed_width is not None

    def check_width(self, width: float) -> float:
        width = self.width_space.check(width)
        if self.is_static and width != self.fixed_width:
            raise ValueError(
                f'This backbone was built static at width {self.fixed_width}; '
                f'it cannot run width {width}. Build it without `width` to '
                'switch widths.')
        return width

    def set_width(self, width: float) -> None:
        set_width(self, width)

    def plain_config(self, width: float) -> Optional[Dict]:
        """Config of the stock (non-slimmable) backbone equal to this one at
        ``width``, or None when no stock network has these channels.

        Export tools store it next to the exported weights, so the width can
        be used by mmpretrain / mmdet without slimmm. Subclasses override.
        """
        self.width_space.check(width)
        return None

    # ---- checkpoints ----------------------------------------------------
    def slimmable_twin(self) -> 'BaseSlimmableBackbone':
        """The slimmable network this static backbone was cut from."""
        args, kwargs = self._build_args
        kwargs = dict(copy.deepcopy(kwargs), width=None, init_cfg=None)
        return type(self)(*args, **kwargs)

    def cut_twin(self, twin: 'BaseSlimmableBackbone') -> None:
        """Reduce the loaded slimmable twin to this static network's
        sub-network, other than its width (e.g. fewer blocks)."""

    def load_slimmable_state_dict(self, state_dict: Dict,
                                  source: str = 'checkpoint') -> None:
        """Load a state dict of the slimmable network (or, for a static
        backbone, of this width), strictly and by name."""
        own = self.state_dict()
        same_shapes = set(own) == set(state_dict) and all(
            tuple(own[k].shape) == tuple(state_dict[k].shape) for k in own)
        if not self.is_static or same_shapes:
            load_state_dict_strict(self, state_dict, source)
            return
        twin = self.slimmable_twin()
        load_state_dict_strict(
            twin, state_dict, source,
            hint=f'Expected a slimmable checkpoint with widths '
            f'{self.widths} (or one exported at width {self.fixed_width}).')
        self.cut_twin(twin)
        set_width(twin, self.fixed_width)
        static = convert_to_static(twin, self.fixed_width)
        load_state_dict_strict(self, static.state_dict(), source)

    def check_channel_rule(self, checkpoint: Dict, source: str) -> None:
        """Refuse a checkpoint whose ``meta['channel_rule']`` (written by the
        US3L converter) differs from this backbone's: the weights would
        load, but every width between the quarter widths would be another
        network than the one trained."""
        meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
        rule = (meta or {}).get('channel_rule')
        own = getattr(self, 'channel_rule', None)
        if rule is not None and own is not None and rule != own:
            raise ValueError(
                f'{source} was trained with channel_rule={rule!r} but this '
                f'{type(self).__name__} uses {own!r}: add '
                f'channel_rule={rule!r} to the backbone of your config.')

    def init_weights(self) -> None:
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            path = cfg['checkpoint']
            checkpoint = read_checkpoint(path)
            self.check_channel_rule(checkpoint, path)
            state = strip_prefix(
                state_dict_of(checkpoint), cfg.get('prefix', ''),
                source=path)
            self.load_slimmable_state_dict(state, source=path)
            kind = (f'width {self.fixed_width}' if self.is_static
                    else 'slimmable')
            MMLogger.get_current_instance().info(
                f'{type(self).__name__}: loaded {path} ({kind}).')
            self._is_init = True
            return
        self.init_weights_from_scratch()
        self._is_init = True

    def init_weights_from_scratch(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out',
                                        nonlinearity='relu')
            elif isinstance(m, BATCH_NORM_TYPES) and m.weight is not None:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    # ---- training mode --------------------------------------------------
    def _freeze_stages(self) -> None:
        """Subclasses freeze their first ``frozen_stages`` stages."""

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, BATCH_NORM_TYPES):
                    m.eval()
        return self


def freeze(module: nn.Module) -> None:
    module.eval()
    for param in module.parameters():
        param.requires_grad = False
