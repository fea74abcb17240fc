"""What every converter of a released checkpoint shares: renaming by
rules, checking the result against the slimmm model built from its config,
the summary, and writing without overwriting.

A converter turns the source state dict into ``{slimmm key: tensor}`` plus
two lists: keys deliberately dropped (with the reason) and keys generated
(buffers the source does not hold, e.g. BN statistics a US3L checkpoint
never tracked). :func:`check_against_target` then compares the result with
the state dict of the target slimmm model, restricted to the parts the
layout provides, and refuses any missing, unexpected or mis-shaped key.
"""
import os.path as osp
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from ...registry import MODELS
from ...utils.checkpoint import save_atomically
from ..export import backbone_cfg_of, build_backbone
from ..ops.width import width_key

_LISTED = 20


class ConversionError(ValueError):
    """A released checkpoint cannot be converted (nothing is written)."""


def listing(title: str, items: Sequence[str]) -> str:
    """``title (n):`` and the first items, one per line."""
    if not items:
        return ''
    shown = '\n    '.join(items[:_LISTED])
    more = len(items) - _LISTED
    tail = f'\n    ... and {more} more' if more > 0 else ''
    return f'\n  {title} ({len(items)}):\n    {shown}{tail}'


@dataclass
class Conversion:
    """The converted tensors and the account of every source key."""

    state_dict: Dict[str, torch.Tensor] = field(default_factory=OrderedDict)
    #: target part (``'backbone'``, ``'neck'`` ...) -> number of tensors
    mapped: Dict[str, int] = field(default_factory=dict)
    #: reason -> source keys left out on purpose
    dropped: Dict[str, List[str]] = field(default_factory=dict)
    #: target keys created by the converter, not read from the source
    generated: List[str] = field(default_factory=list)
    #: source keys no rule of the layout knows
    unmapped: List[str] = field(default_factory=list)

    def put(self, key: str, value: torch.Tensor, source_key: str) -> None:
        if key in self.state_dict:
            raise ConversionError(
                f'Two source keys map to {key!r} (the second is '
                f'{source_key!r}): the checkpoint holds a layer twice.')
        self.state_dict[key] = value
        part = key.split('.', 1)[0]
        self.mapped[part] = self.mapped.get(part, 0) + 1

    def drop(self, reason: str, source_key: str) -> None:
        self.dropped.setdefault(reason, []).append(source_key)

    def generate(self, key: str, value: torch.Tensor) -> None:
        self.state_dict[key] = value
        self.generated.append(key)


# ---- renaming ----------------------------------------------------------
_MEMBER = re.compile(r'^(?P<module>.+)\.bn\.(?P<index>[0-9]+)\.'
                     r'(?P<tensor>[a-z_]+)$')


def switchable_member(key: str, widths_in_order: Sequence[float]
                      ) -> Optional[Tuple[str, float, str]]:
    """``(module, width, tensor)`` of a switchable-BN key of the official
    codes (``<module>.bn.<k>.<tensor>``), the width read from the source's
    width order; None for other keys."""
    match = _MEMBER.match(key)
    if match is None:
        return None
    index = int(match['index'])
    if index >= len(widths_in_order):
        raise ConversionError(
            f'{key!r} is BN member {index}, but the source has '
            f'{len(widths_in_order)} widths {list(widths_in_order)}; pass '
            'the widths it was trained with (--widths).')
    return match['module'], float(widths_in_order[index]), match['tensor']


def slimmm_member_key(module: str, width: float, tensor: str) -> str:
    """slimmm's name of one width's BN (``SwitchableBatchNorm2d.norms``)."""
    return f'{module}.norms.{width_key(width)}.{tensor}'


def block_names(stage_blocks: Sequence[int]) -> List[str]:
    """``['layer1.0', 'layer1.1', ...]``: the mmpretrain / torchvision name
    of each block of a flat block list (SlimCLR's ``features.N``)."""
    return [f'layer{stage + 1}.{index}'
            for stage, count in enumerate(stage_blocks)
            for index in range(count)]


def check_stage_blocks(found: Sequence[int], expected: Sequence[int],
                       config: str) -> None:
    """The source's blocks per stage must be the target config's."""
    if tuple(found) != tuple(expected):
        raise ConversionError(
            f'The checkpoint is a ResNet with {tuple(found)} blocks per '
            f'stage ({sum(found) * 3 + 2} layers for bottlenecks), the '
            f'target config {config!r} one with {tuple(expected)}: pass '
            '--config of a slimmm config of that depth (model.backbone.'
            'depth).')


# ---- the target model --------------------------------------------------
def packaged_config(relative: str) -> str:
    """The path of a config shipped with slimmm (``configs/...``), in the
    installed package's ``.mim`` folder (where openmim finds it too)."""
    import slimmm
    path = osp.join(osp.dirname(osp.abspath(slimmm.__file__)), '.mim',
                    relative)
    if not osp.isfile(path):
        raise ConversionError(
            f'{relative} is not part of this slimmm installation ({path}); '
            'reinstall slimmm (pip install -e .) or pass --config PATH.')
    return path


def load_target_config(config: str,
                       overrides: Optional[Mapping] = None) -> Config:
    cfg = Config.fromfile(config)
    if overrides:
        cfg.merge_from_dict(dict(overrides))
    return cfg


def config_text(cfg: Config) -> str:
    """The whole config as Python source (``name = repr(value)`` lines),
    readable by ``Config.fromstring(text, '.py')`` as mmengine's
    ``meta['cfg']``; ``pretty_text`` would format it with yapf, which takes
    seconds."""
    return '\n'.join(f'{key} = {value!r}'
                     for key, value in cfg.to_dict().items()) + '\n'


def build_target_state(cfg: Config, parts: Sequence[str]
                       ) -> Tuple[Dict[str, torch.Tensor], object]:
    """The state dict of the slimmm model of ``cfg`` (backbone alone when
    the layout only provides the backbone) and the model.

    Built on the meta device: only names and shapes are needed, and an R-50
    algorithm (with its momentum copy) would take seconds to initialise.
    Values of generated tensors come from :func:`initial_value`.
    """
    with torch.device('meta'):
        if list(parts) == ['backbone']:
            backbone = build_backbone(backbone_cfg_of(cfg), width=None)
            state = OrderedDict(('backbone.' + k, v)
                                for k, v in backbone.state_dict().items())
            return state, backbone
        model_cfg = cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') \
            else dict(cfg.model)
        model_cfg['backbone'] = dict(model_cfg['backbone'], init_cfg=None)
        # Unscoped parts of slimmm configs (data preprocessors) are
        # mmpretrain's.
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            model = MODELS.build(model_cfg)
    return model.state_dict(), model


def initial_value(key: str, like: torch.Tensor, model) -> torch.Tensor:
    """The value a freshly built slimmm model holds in a buffer the source
    lacks: BN statistics before any batch, the EMA step counter, the widths
    a probe evaluates."""
    if key == 'probe_widths':
        return torch.tensor(model.widths, dtype=like.dtype)
    fill = 1 if key.endswith('running_var') else 0
    if not key.endswith(('running_mean', 'running_var',
                         'num_batches_tracked', 'steps')):
        raise ConversionError(f'No initial value is known for {key!r}.')
    return torch.full(like.shape, fill, dtype=like.dtype)


def check_against_target(conversion: Conversion,
                         target: Mapping[str, torch.Tensor],
                         parts: Sequence[str], source: str,
                         config: str) -> None:
    """Every target key of ``parts`` is provided with its shape, and every
    source key was mapped or dropped on purpose; else raise with lists."""
    wanted = {k: v for k, v in target.items()
              if k.split('.', 1)[0] in parts}
    produced = conversion.state_dict
    missing = [k for k in wanted if k not in produced]
    unexpected = [k for k in produced if k not in wanted]
    mismatched = [
        f'{k}: converted {tuple(produced[k].shape)} vs slimmm '
        f'{tuple(wanted[k].shape)}' for k in wanted
        if k in produced and tuple(produced[k].shape) != tuple(
            wanted[k].shape)
    ]
    if missing or unexpected or mismatched or conversion.unmapped:
        raise ConversionError(
            f'{source!r} does not convert to the model of {config!r}; '
            'nothing was written.' +
            listing('source keys no rule maps', conversion.unmapped) +
            listing('slimmm keys the source does not provide', missing) +
            listing('converted keys the slimmm model lacks', unexpected) +
            listing('shape mismatches', mismatched) +
            '\n  A truncated file, another depth or widths, or another '
            'layout cause this; check the file and --config / --widths.')


# ---- output ------------------------------------------------------------
def summary(conversion: Conversion, dst: str) -> str:
    lines = [f'Wrote {dst}:']
    for part, count in conversion.mapped.items():
        lines.append(f'  mapped     {count:5d} tensors -> {part}.*')
    for reason, keys in conversion.dropped.items():
        lines.append(f'  dropped    {len(keys):5d} tensors: {reason}')
    if conversion.generated:
        lines.append(f'  generated  {len(conversion.generated):5d} '
                     'tensors (not in the source): '
                     f'{conversion.generated[0]} ...')
    return '\n'.join(lines)


def refuse_existing(dst: str) -> None:
    if osp.exists(dst):
        raise ConversionError(
            f'{dst!r} exists; converters never overwrite a checkpoint. '
            'Choose another DST or remove the file yourself.')


def save_converted(conversion: Conversion, meta: Dict, dst: str) -> str:
    """Write ``dict(state_dict=..., meta=...)`` to ``dst`` (refused when it
    exists)."""
    refuse_existing(dst)
    save_atomically(dict(state_dict=conversion.state_dict, meta=meta), dst)
    return dst
