"""Width spaces (which widths a network can run) and the width state.

The current width is model state: every slimmable layer stores it in its
``width`` attribute, set for a whole model by :func:`set_width` or the
:func:`using_width` context manager. No global flag is involved, so two
models (e.g. an online network and its momentum copy) can run different
widths in the same process, on CPU or under DDP.
"""
import random
from contextlib import contextmanager
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import torch.nn as nn


def width_key(width: float) -> str:
    """Name of a width usable as a module / state-dict key (0.75 -> '0_75')."""
    return f'{float(width):g}'.replace('.', '_')


def metric_prefix(width: float) -> str:
    """``width_0.5``: the prefix of a width's metric and log keys
    (``width_0.5/accuracy/top1``, ``width_0.5/coco/bbox_mAP``), written by
    every per-width evaluation and read back by :func:`split_metric_key`."""
    return f'width_{float(width)!r}'


def split_metric_key(key: str) -> Optional[Tuple[float, str]]:
    """Inverse of :func:`metric_prefix` on a whole key:
    ``'width_0.5/coco/bbox_mAP'`` -> ``(0.5, 'coco/bbox_mAP')``; None for
    a key without a width prefix."""
    head, sep, metric = key.partition('/')
    if not sep or not head.startswith('width_'):
        return None
    try:
        return float(head[len('width_'):]), metric
    except ValueError:
        return None


class WidthSpace:
    """The widths a slimmable network may run."""

    universal = False

    @property
    def max(self) -> float:
        raise NotImplementedError

    @property
    def min(self) -> float:
        raise NotImplementedError

    def check(self, width: float) -> float:
        """Return ``width`` as float or raise a ``ValueError`` naming the
        allowed widths."""
        raise NotImplementedError

    def sample(self, rng: random.Random) -> float:
        raise NotImplementedError


def _check_in_unit_interval(width: float, what: str) -> None:
    if not 0 < width <= 1:
        raise ValueError(
            f'{what} must be in (0, 1] (1.0 is the full network), '
            f'but got {width}.')


class SwitchableWidths(WidthSpace):
    """A fixed list of widths, each with its own BN (Slimmable Networks).

    Args:
        widths (Sequence[float]): Strictly descending, in (0, 1], the first
            being 1.0 (the full network every sub-network is sliced from).
    """

    def __init__(self, widths: Sequence[float]):
        widths = [float(w) for w in widths]
        if not widths:
            raise ValueError('widths must not be empty, e.g. '
                             '[1.0, 0.75, 0.5, 0.25].')
        for w in widths:
            _check_in_unit_interval(w, 'Every width')
        if any(a <= b for a, b in zip(widths, widths[1:])):
            raise ValueError(
                f'widths must be strictly descending (largest first), but got '
                f'{widths}; write them as '
                f'{sorted(set(widths), reverse=True)}.')
        if widths[0] != 1.0:
            raise ValueError(
                f'The first width must be 1.0 (the full network), but widths '
                f'are {widths}.')
        self.widths: List[float] = widths

    @property
    def max(self) -> float:
        return self.widths[0]

    @property
    def min(self) -> float:
        return self.widths[-1]

    def check(self, width: float) -> float:
        width = float(width)
        for w in self.widths:
            if abs(w - width) < 1e-9:
                return w
        raise ValueError(
            f'Width {width} is not one of this network\'s widths '
            f'{self.widths}; pick one of them (or build the network '
            f'universally slimmable with width_range=(min, max)).')

    def sample(self, rng: random.Random) -> float:
        return rng.choice(self.widths)

    def __repr__(self) -> str:
        return f'SwitchableWidths({self.widths})'


class UniversalWidths(WidthSpace):
    """Any width in ``[min, max]`` (US-Nets); BN is recalibrated per width.

    Args:
        width_range (Sequence[float]): ``(min_width, max_width)``; max 1.0.
    """

    universal = True

    def __init__(self, width_range: Sequence[float]):
        if len(width_range) != 2:
            raise ValueError(f'width_range must be (min, max), got '
                             f'{width_range}.')
        low, high = (float(w) for w in width_range)
        _check_in_unit_interval(low, 'The smallest width')
        _check_in_unit_interval(high, 'The largest width')
        if high != 1.0 or low >= high:
            raise ValueError(
                f'width_range must be (min, 1.0) with min < 1.0, but got '
                f'{tuple(width_range)}.')
        self.low, self.high = low, high

    @property
    def max(self) -> float:
        return self.high

    @property
    def min(self) -> float:
        return self.low

    @property
    def widths(self) -> List[float]:
        return [self.high, self.low]

    def check(self, width: float) -> float:
        width = float(width)
        if not self.low - 1e-9 <= width <= self.high + 1e-9:
            raise ValueError(
                f'Width {width} is outside this universally slimmable '
                f'network\'s range [{self.low}, {self.high}].')
        return width

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)

    def __repr__(self) -> str:
        return f'UniversalWidths(({self.low}, {self.high}))'


def build_width_space(widths: Optional[Sequence[float]] = None,
                      width_range: Optional[Sequence[float]] = None
                      ) -> WidthSpace:
    if (widths is None) == (width_range is None):
        raise ValueError(
            'Give exactly one of widths=[1.0, 0.75, ...] (slimmable, '
            'switchable BN) or width_range=(0.25, 1.0) (universally '
            'slimmable).')
    if widths is not None:
        return SwitchableWidths(widths)
    return UniversalWidths(width_range)


class SlimmableMixin:
    """Marks a layer whose active channels follow its ``width`` attribute."""

    width: float = 1.0

    def to_static(self, width: float) -> nn.Module:
        """A plain module equal to this layer at ``width``."""
        raise NotImplementedError


def slimmable_layers(model: nn.Module) -> Iterator[nn.Module]:
    return (m for m in model.modules() if isinstance(m, SlimmableMixin))


def set_width(model: nn.Module, width: float) -> None:
    """Run every slimmable layer of ``model`` at ``width``.

    Models that know their width space (slimmable backbones, algorithms)
    validate the width first; this function only propagates it.
    """
    checker = getattr(model, 'check_width', None)
    if checker is not None:
        width = checker(width)
    for module in model.modules():
        if isinstance(module, SlimmableMixin):
            module.width = float(width)
        elif module is not model and hasattr(module, 'current_width'):
            module.current_width = float(width)
    if hasattr(model, 'current_width'):
        model.current_width = float(width)


def get_width(model: nn.Module) -> Optional[float]:
    for module in slimmable_layers(model):
        return module.width
    return getattr(model, 'current_width', None)


@contextmanager
def using_width(model: nn.Module, width: float) -> Iterator[nn.Module]:
    """Run ``model`` at ``width`` inside the block, then restore its width."""
    previous = get_width(model)
    set_width(model, width)
    try:
        yield model
    finally:
        if previous is not None:
            set_width(model, previous)


def convert_to_static(model: nn.Module, width: float) -> nn.Module:
    """Replace, in place, every slimmable layer by its plain equivalent at
    ``width``. Returns ``model`` (or the replacement when ``model`` itself is
    a slimmable layer)."""
    if isinstance(model, SlimmableMixin):
        return model.to_static(width)
    for name, child in list(model.named_children()):
        setattr(model, name, convert_to_static(child, width))
    return model


WidthLike = Union[float, int]
