"""Leading blocks of full-width parameters, shared by the uses of one step.

At width ``w`` a slimmable layer runs ``weight[:out(w), :in(w)]``. Autograd
turns the gradient of every such slice into a full-size gradient of
``weight`` (zeros plus the block) and adds these full-size tensors up over
all uses. A slimmable training step slices each weight once per width and
per view (MoCo v3, BYOL and US3L put both views through every width), so on
small inputs these full-size passes are a visible part of the step (README,
*Pretraining cost benchmark*).

:func:`leading_block` (used for the weights and biases of the slimmable
conv and linear layers and of the sliced BN / LayerNorm) hands out the same
view again while the parameter is unchanged, and cuts a smaller block out
of the smallest cached block that contains it. The views of one width then
share one slice, and the gradients of narrower widths are summed at the
size of the next wider block: only the widest sliced block is expanded to
full size, once per step, instead of once per width and view.

The blocks are views, so they can never hold stale values. A cache is
dropped when the parameter is updated in place (its version counter moves,
as after ``optimizer.step()``), re-bound to other storage (``.to()``,
``.data = ...``), or when grad / inference mode changes, and it is left out
when a layer is copied or pickled (:meth:`SlimmableMixin.__getstate__`).
"""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn

CACHE_ATTR = '_leading_blocks'


def _cache_key(param: torch.Tensor) -> Tuple:
    return (param._version, param.data_ptr(), torch.is_grad_enabled(),
            torch.is_inference_mode_enabled())


def leading_block(module: nn.Module, name: str,
                  sizes: Sequence[int]) -> torch.Tensor:
    """``getattr(module, name)[:sizes[0], :sizes[1], ...]``, reused.

    Args:
        module (nn.Module): The layer that owns the parameter.
        name (str): Parameter name, e.g. ``'weight'``.
        sizes (Sequence[int]): Leading size of each of the first
            ``len(sizes)`` dimensions.

    Returns:
        Tensor: The parameter itself when ``sizes`` cover it, else a view.
    """
    param = getattr(module, name)
    sizes = tuple(int(s) for s in sizes)
    if sizes == tuple(param.shape[:len(sizes)]):
        return param
    caches: Dict[str, Tuple] = module.__dict__.setdefault(CACHE_ATTR, {})
    key = _cache_key(param)
    entry = caches.get(name)
    if entry is None or entry[0] != key or entry[1] is not param:
        entry = (key, param, {})
        caches[name] = entry
    blocks: Dict[Tuple[int, ...], torch.Tensor] = entry[2]
    block = blocks.get(sizes)
    if block is None:
        source = param
        for cut, view in blocks.items():
            if all(c >= s for c, s in zip(cut, sizes)) and (
                    source is param or view.numel() < source.numel()):
                source = view
        block = source[tuple(slice(0, s) for s in sizes)]
        blocks[sizes] = block
    return block
