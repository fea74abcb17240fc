"""Run-time cost of slimming: a slimmable network at width w against the
plain network of the same width (what slicing weights at run time costs)."""
import time
from statistics import median
from typing import Callable, Dict, List, Optional, Sequence

import torch
import torch.nn as nn

from ..models.export import build_backbone, static_at
from ..models.ops import set_width
from .complexity import widths_to_evaluate


def _step(model: nn.Module, x: torch.Tensor, backward: bool) -> None:
    if backward:
        # As in training: fresh gradients every step (the slimmable net's
        # gradients have the full-width shape, part of what slimming costs).
        model.zero_grad(set_to_none=True)
        out = model(x)
        sum(o.float().mean() for o in out).backward()
    else:
        with torch.no_grad():
            model(x)


def _timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_pair(slimmable: nn.Module, plain: nn.Module, x: torch.Tensor,
              repeats: int = 5, warmup: int = 1,
              backward: bool = False) -> Dict[str, float]:
    """Median seconds per step of both networks, timed alternately so load
    changes on the machine hit both alike.

    Forward is timed in eval mode without gradients, forward+backward in
    train mode.
    """
    for model in (slimmable, plain):
        model.train(backward)
        for _ in range(warmup):
            _step(model, x, backward)
    times = {'slimmable': [], 'plain': []}
    for _ in range(repeats):
        times['slimmable'].append(
            _timed(lambda: _step(slimmable, x, backward)))
        times['plain'].append(_timed(lambda: _step(plain, x, backward)))
    for model in (slimmable, plain):
        model.zero_grad(set_to_none=True)
    result = {k: median(v) for k, v in times.items()}
    result['ratio'] = result['slimmable'] / result['plain']
    return result


def benchmark_widths(backbone_cfg: Dict,
                     widths: Optional[Sequence[float]] = None,
                     batch: int = 8, size: int = 128, repeats: int = 5,
                     backward: bool = True, seed: int = 0) -> List[Dict]:
    """Forward (and forward+backward) time of the slimmable backbone at
    each width against its exported plain network.

    Returns:
        list[dict]: per width ``width``, ``fwd`` and (with ``backward``)
        ``fwd_bwd``, each ``{'slimmable', 'plain', 'ratio'}`` in seconds.
    """
    torch.manual_seed(seed)
    backbone = build_backbone(backbone_cfg, width=None)
    x = torch.randn(batch, 3, size, size)
    rows = []
    for width in widths_to_evaluate(backbone, widths):
        set_width(backbone, width)
        plain = static_at(backbone, width)
        row = dict(width=float(width),
                   fwd=time_pair(backbone, plain, x, repeats))
        if backward:
            row['fwd_bwd'] = time_pair(backbone, plain, x, repeats,
                                       backward=True)
        rows.append(row)
    return rows


def speed_table(rows: Sequence[Dict]) -> str:
    """Markdown table of :func:`benchmark_widths` rows (milliseconds)."""
    parts = [key for key in ('fwd', 'fwd_bwd') if key in rows[0]]
    head = '| width |' + ''.join(
        f' {p} slimmable (ms) | {p} plain (ms) | {p} ratio |' for p in parts)
    lines = [head, '|---|' + '---|---|---|' * len(parts)]
    for row in rows:
        cells = ''.join(f' {row[p]["slimmable"] * 1e3:.1f} | '
                        f'{row[p]["plain"] * 1e3:.1f} | '
                        f'{row[p]["ratio"]:.3f} |' for p in parts)
        lines.append(f'| {row["width"]} |{cells}')
    return '\n'.join(lines)
