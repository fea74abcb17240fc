"""The active part of a full-width parameter.

At width ``w`` a slimmable layer runs the leading block
``weight[:out(w), :in(w)]`` of its full-width parameter. The block is a
view, taken anew at every forward: nothing is cached between calls.
"""
from typing import Sequence

import torch


def leading_block(param: torch.Tensor,
                  sizes: Sequence[int]) -> torch.Tensor:
    """``param[:sizes[0], :sizes[1], ...]``.

    Args:
        param (Tensor): A full-width parameter.
        sizes (Sequence[int]): Leading size of each of the first
            ``len(sizes)`` dimensions.

    Returns:
        Tensor: ``param`` itself when ``sizes`` cover it, else a view.
    """
    sizes = tuple(int(s) for s in sizes)
    if sizes == tuple(param.shape[:len(sizes)]):
        return param
    return param[tuple(slice(0, s) for s in sizes)]
