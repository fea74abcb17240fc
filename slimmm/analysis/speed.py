"""Run-time cost of slimming: a slimmable network at width w against the
plain network of the same width (what slicing weights at run time costs)."""
import time
from contextlib import contextmanager
from statistics import median
from typing import Callable, Dict, Iterator, List, Optional, Sequence

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


def _synchronize(device: torch.device) -> None:
    # CUDA kernels run asynchronously: a step has ended when the device
    # has finished it, not when Python returns.
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def _timed(fn: Callable[[], None], device: torch.device) -> float:
    _synchronize(device)
    start = time.perf_counter()
    fn()
    _synchronize(device)
    return time.perf_counter() - start


def time_pair(slimmable: nn.Module, plain: nn.Module, x: torch.Tensor,
              repeats: int = 5, warmup: int = 1,
              backward: bool = False) -> Dict[str, float]:
    """Median seconds per step of both networks, timed alternately so load
    changes on the machine hit both alike.

    Forward is timed in eval mode without gradients, forward+backward in
    train mode. On CUDA each step is timed between device
    synchronisations.
    """
    for model in (slimmable, plain):
        model.train(backward)
        for _ in range(warmup):
            _step(model, x, backward)
    times = {'slimmable': [], 'plain': []}
    for _ in range(repeats):
        times['slimmable'].append(
            _timed(lambda: _step(slimmable, x, backward), x.device))
        times['plain'].append(
            _timed(lambda: _step(plain, x, backward), x.device))
    for model in (slimmable, plain):
        model.zero_grad(set_to_none=True)
    result = {k: median(v) for k, v in times.items()}
    result['ratio'] = result['slimmable'] / result['plain']
    return result


@contextmanager
def full_fp32() -> Iterator[None]:
    """Inside the block cuDNN convolutions and CUDA matmuls compute in full
    fp32: TF32, on by default for cuDNN on Ampere and later GPUs, rounds
    inputs to 10 mantissa bits, which two equal networks computed with
    different algorithms would turn into differences of ~1e-3."""
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    saved = cudnn.allow_tf32, matmul.allow_tf32
    cudnn.allow_tf32 = matmul.allow_tf32 = False
    try:
        yield
    finally:
        cudnn.allow_tf32, matmul.allow_tf32 = saved


@torch.no_grad()
def max_relative_difference(slimmable: nn.Module, plain: nn.Module,
                            x: torch.Tensor) -> float:
    """``max |slimmable(x) - plain(x)| / max |plain(x)|`` over all outputs,
    both in eval mode (how far the exported network is from the slimmable
    one at its width), computed in full fp32 (:func:`full_fp32`)."""
    slimmable.eval()
    plain.eval()
    worst = 0.0
    with full_fp32():
        pairs = list(zip(slimmable(x), plain(x)))
    for got, want in pairs:
        scale = want.abs().max().clamp_min(1e-12)
        worst = max(worst, float((got - want).abs().max() / scale))
    return worst


def benchmark_widths(backbone_cfg: Dict,
                     widths: Optional[Sequence[float]] = None,
                     batch: int = 8, size: int = 128, repeats: int = 5,
                     backward: bool = True, seed: int = 0,
                     device: str = 'cpu', channels_last: bool = False,
                     warmup: int = 1) -> List[Dict]:
    """Forward (and forward+backward) time of the slimmable backbone at
    each width against its exported plain network.

    Args:
        backbone_cfg (dict): A slimmable backbone config.
        widths (Sequence[float], optional): Default: all of its widths.
        batch (int): Images per step.
        size (int): Square input size.
        repeats (int): Timed steps per network; the median counts.
        backward (bool): Also time forward+backward.
        seed (int): Seed of the weights and the input.
        device (str): ``'cpu'`` or ``'cuda'``.
        channels_last (bool): Input and both networks in
            ``torch.channels_last`` memory format.
        warmup (int): Untimed steps first (cuDNN algorithm search,
            allocator growth).

    Returns:
        list[dict]: per width ``width``, ``max_rel_diff`` (eval outputs of
        the two networks, :func:`max_relative_difference`), ``fwd`` and
        (with ``backward``) ``fwd_bwd``, each ``{'slimmable', 'plain',
        'ratio'}`` in seconds.
    """
    torch.manual_seed(seed)
    memory_format = (torch.channels_last if channels_last else
                     torch.contiguous_format)
    backbone = build_backbone(backbone_cfg, width=None).to(
        device=device, memory_format=memory_format)
    x = torch.randn(batch, 3, size, size).to(device=device,
                                             memory_format=memory_format)
    rows = []
    for width in widths_to_evaluate(backbone, widths):
        set_width(backbone, width)
        plain = static_at(backbone, width).to(memory_format=memory_format)
        row = dict(width=float(width),
                   max_rel_diff=max_relative_difference(backbone, plain, x),
                   fwd=time_pair(backbone, plain, x, repeats, warmup))
        if backward:
            row['fwd_bwd'] = time_pair(backbone, plain, x, repeats, warmup,
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
