"""SlimCLR's loss terms as pure functions.

Zhao et al., "Slimmable Networks for Contrastive Self-supervised Learning"
(SlimCLR), section 3: InfoNCE (Eq. 1), online distillation (Eq. 4-5), loss
reweighting (Eq. 6 and the four manners of section 4.4) and the total
objective (Eq. 7), written once here for SlimCLR-MoCov2 and SlimCLR-MoCov3.
The algorithms in ``slimmm.models.algorithms`` only call these functions,
so each equation is checked once, by its own unit test.
"""
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F

WEIGHT_MANNERS = (1, 2, 3, 4)
# What a sub-network (not the full width) is trained with: Eq. 7's
# (L_wi + L_pwi) / 2, InfoNCE alone (vanilla slimmable SSL, Eq. 2) or the
# distillation alone (S-Net + inplace distillation, section 4.2).
SUBNET_TERMS = ('both', 'infonce', 'distill')


def contrastive_logits(query: torch.Tensor, key: torch.Tensor,
                       queue: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Cosine similarities of each query to its positive and negatives.

    Args:
        query (Tensor): ``(N, C)`` predictions of the online network.
        key (Tensor): ``(N, C)`` targets of the momentum network
            (the positive of query ``i`` is key ``i``).
        queue (Tensor, optional): ``(C, K)`` negatives (SlimCLR-MoCov2).
            Without it the other keys of the batch are the negatives
            (SlimCLR-MoCov3).

    Returns:
        Tensor: ``(N, 1 + K)`` with the positive in column 0 when a queue is
        given, else ``(N, N)`` with the positive on the diagonal.
    """
    query = F.normalize(query, dim=1)
    key = F.normalize(key, dim=1)
    if queue is None:
        return query @ key.t()
    positive = (query * key).sum(dim=1, keepdim=True)
    return torch.cat([positive, query @ queue], dim=1)


def _positive_index(logits: torch.Tensor, in_batch: bool,
                    offset: int) -> torch.Tensor:
    if in_batch:
        return torch.arange(logits.shape[0], device=logits.device) + offset
    return torch.zeros(logits.shape[0], dtype=torch.long,
                       device=logits.device)


def info_nce(logits: torch.Tensor, temperature: float,
             in_batch: bool = False, offset: int = 0) -> torch.Tensor:
    """Eq. 1: ``-log softmax(logits / tau1)`` at the positive, batch mean.

    Args:
        logits (Tensor): From :func:`contrastive_logits`.
        temperature (float): ``tau1`` (0.2 for MoCov2, 1.0 for MoCov3).
        in_batch (bool): Positive of query ``i`` is key ``offset + i`` (no
            queue; the keys may be gathered from every rank, this rank's
            starting at ``offset``).
        offset (int): Index of this rank's first key.
    """
    return F.cross_entropy(logits / temperature,
                           _positive_index(logits, in_batch, offset))


def online_distillation(student_logits: torch.Tensor,
                        teacher_logits: torch.Tensor,
                        temperature: float) -> torch.Tensor:
    """Eq. 4-5: ``L_p = -p_w1 . log p_wi``, summed over the ``1 + K``
    candidates and averaged over the batch.

    ``p`` is the softmax of the similarities divided by ``tau2`` (Eq. 4).
    The full network's probabilities ``p_w1`` are a fixed target: no
    gradient flows into the teacher through its own distillation target.

    Args:
        student_logits (Tensor): Similarities of sub-network ``w_i``.
        teacher_logits (Tensor): Similarities of the full network ``w_1``,
            against the same positive and negatives.
        temperature (float): ``tau2`` (5.0 for MoCov2, 1.0 for MoCov3).
    """
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(
            'Student and teacher similarities must be against the same '
            f'candidates, got shapes {tuple(student_logits.shape)} and '
            f'{tuple(teacher_logits.shape)}.')
    target = F.softmax(teacher_logits.detach() / temperature, dim=1)
    log_p = F.log_softmax(student_logits / temperature, dim=1)
    return -(target * log_p).sum(dim=1).mean()


def slimclr_loss_weights(widths: Sequence[float],
                         manner: Optional[int] = 1) -> Dict[float, float]:
    """Loss weight ``lambda_i`` of each width (SlimCLR Eq. 6 / section 4.4).

    With ``w_1`` the full width and ``w_2..w_n`` the others (descending):

    1. ``lambda_i = 1 + 1{w_i = w_1} * sum_{j>=2} w_j`` (Eq. 6, default);
    2. ``lambda_i = 1 + 1{w_i = w_1} * max{w_2, ..., w_n}``;
    3. ``lambda_i = n * w_i / sum_j w_j``;
    4. ``lambda_i = n * (1 + sum_{k>i} w_k) / sum_j (1 + sum_{k>j} w_k)``;

    ``None``: every weight 1 (Eq. 2, no reweighting).

    The extracted text of manner (4) prints the numerator without its index;
    the form above is the one that reproduces the paper's weights
    [1.54, 1.08, 0.77, 0.62] for widths [1.0, 0.75, 0.5, 0.25].

    Args:
        widths (Sequence[float]): The widths trained in an iteration.
        manner (int, optional): 1, 2, 3, 4 or None.

    Returns:
        dict: ``{width: lambda}``.
    """
    if manner is not None and manner not in WEIGHT_MANNERS:
        raise ValueError(f'Loss reweighting manner must be one of '
                         f'{WEIGHT_MANNERS} (SlimCLR section 4.4) or None, '
                         f'got {manner!r}.')
    widths = sorted((float(w) for w in widths), reverse=True)
    if len(set(widths)) != len(widths) or not widths:
        raise ValueError(f'widths must be distinct and non-empty, got '
                         f'{widths}.')
    n, rest = len(widths), widths[1:]
    if manner is None:
        weights = [1.0] * n
    elif manner == 1:
        weights = [1.0 + sum(rest)] + [1.0] * len(rest)
    elif manner == 2:
        weights = [1.0 + max(rest, default=0.0)] + [1.0] * len(rest)
    elif manner == 3:
        weights = [n * w / sum(widths) for w in widths]
    else:
        tails = [1.0 + sum(widths[i + 1:]) for i in range(n)]
        weights = [n * t / sum(tails) for t in tails]
    return dict(zip(widths, weights))


def check_slimclr_objective(subnet_terms: str,
                            manner: Optional[int]) -> None:
    """Refuse unknown objective options (before anything is built)."""
    if subnet_terms not in SUBNET_TERMS:
        raise ValueError(f'subnet_terms must be one of {SUBNET_TERMS}, '
                         f'got {subnet_terms!r}.')
    slimclr_loss_weights([1.0], manner)  # validates the manner


def slimclr_term(base: torch.Tensor, distill: Optional[torch.Tensor],
                 weight: float, is_full: bool,
                 subnet_terms: str = 'both') -> torch.Tensor:
    """One width's summand of Eq. 7.

    * the full width: ``lambda_1 L_w1``;
    * a sub-network: ``lambda_i (L_wi + L_pwi) / 2`` (``'both'``, Eq. 7),
      ``lambda_i L_wi`` (``'infonce'``, Eq. 2 with unit weights) or
      ``lambda_i L_pwi`` (``'distill'``).

    Args:
        base (Tensor): ``L_wi``, the width's InfoNCE (Eq. 1).
        distill (Tensor, optional): ``L_pwi`` (Eq. 5); None for the full
            width and for ``'infonce'`` (a sub-network without it
            contributes ``lambda_i L_wi``).
        weight (float): ``lambda_i`` (Eq. 6).
        is_full (bool): Whether this is the full width ``w_1``.
        subnet_terms (str): One of :data:`SUBNET_TERMS`.
    """
    if is_full or distill is None or subnet_terms == 'infonce':
        return weight * base
    if subnet_terms == 'distill':
        return weight * distill
    return weight * (base + distill) / 2


def slimclr_total_loss(base_losses: Dict[float, torch.Tensor],
                       distill_losses: Dict[float, torch.Tensor],
                       weights: Dict[float, float],
                       subnet_terms: str = 'both') -> torch.Tensor:
    """Eq. 7: ``lambda_1 L_w1 + sum_{i>=2} lambda_i (L_wi + L_pwi) / 2``,
    the sum of :func:`slimclr_term` over the widths.

    Args:
        base_losses (dict): ``{width: L_wi}`` (Eq. 1), the full width
            included.
        distill_losses (dict): ``{width: L_pwi}`` (Eq. 5) of sub-networks.
        weights (dict): ``{width: lambda_i}`` (Eq. 6).
        subnet_terms (str): One of :data:`SUBNET_TERMS`.
    """
    full = max(base_losses)
    return sum(
        slimclr_term(base, distill_losses.get(width), weights[width],
                     width == full, subnet_terms)
        for width, base in base_losses.items())


class SlimCLRTargets:
    """One iteration of Eq. 7, as its widths run one after another: the
    momentum keys (one tensor for MoCov2, both views' for MoCov3), the
    negatives (MoCov2's queue; None: the other keys of the batch, MoCov3),
    this rank's first positive in the gathered keys (in-batch negatives),
    the weights of Eq. 6, the full width's detached logits once it has run
    (the teacher of Eq. 4-5) and the terms to log.

    A plain object on purpose: a DDP wrapper copies the dicts and lists it
    is given on the way to its forward, not an object's attributes, and
    the teacher set by the full width must reach the later widths.
    """

    def __init__(self, keys: Union[torch.Tensor, List[torch.Tensor]],
                 weights: Dict[float, float],
                 negatives: Optional[torch.Tensor] = None, offset: int = 0):
        self.keys = keys
        self.negatives = negatives
        self.offset = offset
        self.weights = weights
        self.full = max(weights)
        self.teacher: Optional[Union[torch.Tensor,
                                     List[torch.Tensor]]] = None
        # {sub-network: detached term}, logged per width.
        self.base: Dict[Any, torch.Tensor] = {}
        self.distill: Dict[Any, torch.Tensor] = {}

    def check_order(self, width: float) -> bool:
        """Whether ``width`` is the full width; a sub-network before the
        full width (whose logits are its teacher) is refused."""
        is_full = width == self.full
        if self.teacher is None and not is_full:
            raise RuntimeError(
                'The full width must run first: its logits are the '
                f'distillation targets (got width {width}).')
        return is_full

    def width_term(self, subnet: Any, logits: List[torch.Tensor],
                   base: torch.Tensor, distill_temperature: float,
                   subnet_terms: str = 'both') -> torch.Tensor:
        """Width ``w_i``'s summand of Eq. 7 from its InfoNCE ``base``
        (Eq. 1) and its ``logits`` (one per query / key pairing): the full
        width's logits become the teacher, a sub-network's are distilled
        from it (Eq. 4-5, summed over the pairings); both terms are kept
        for the log."""
        is_full = self.check_order(subnet.width)
        distill = None
        if is_full:
            self.teacher = [x.detach() for x in logits]  # p_w1, fixed
        elif subnet_terms != 'infonce':
            distill = sum(
                online_distillation(x, teacher, distill_temperature)
                for x, teacher in zip(logits, self.teacher))
            self.distill[subnet] = distill.detach()
        self.base[subnet] = base.detach()
        return slimclr_term(base, distill, self.weights[subnet.width],
                            is_full, subnet_terms)

    def logged_terms(self) -> Dict[str, Dict[Any, torch.Tensor]]:
        """``{'infonce': {...}, 'distill': {...}}`` for ``log_subnets``."""
        return dict(infonce=self.base, distill=self.distill)
