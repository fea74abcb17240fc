"""US3L's loss terms as pure functions.

Cao et al., "Three Guidelines You Should Know for Universally Slimmable
Self-Supervised Learning" (US3L, CVPR 2023), section 3.2.1: the largest
network is trained with InfoNCE (Eq. 2) against the momentum encoder, each
sampled sub-network with the MSE distillation loss (Eq. 6) through the
auxiliary head ``g`` (Eq. 3); both symmetrised over the views
(Algorithm 1, lines 5 and 15).
"""
import torch
import torch.nn.functional as F


def nt_xent(query: torch.Tensor, key: torch.Tensor,
            temperature: float = 0.5) -> torch.Tensor:
    """Eq. 2 (InfoNCE over both views, SimCLR's NT-Xent) for a query batch
    against its momentum keys.

    With ``x = [q; k]`` (``2N`` L2-normalised rows), row ``i`` has its
    positive at ``i +- N`` (the other view of the same image) and the other
    ``2N - 2`` rows (both views of the other images, ``j != i, v in
    {1, 2}``) as negatives; the loss is the mean over the ``2N`` rows of
    ``-log softmax(x_i . x / tau)`` at the positive, self-similarity
    excluded. The keys come from the momentum encoder (no gradient), so
    gradients reach the online network through the query rows and through
    the query negatives of the key rows.

    Args:
        query (Tensor): ``(N, C)`` online projections of one view.
        key (Tensor): ``(N, C)`` momentum projections of the other view.
        temperature (float): ``tau`` (0.5 in US3L, Table 11).

    Returns:
        Tensor: Scalar loss.
    """
    if query.shape != key.shape:
        raise ValueError(f'query {tuple(query.shape)} and key '
                         f'{tuple(key.shape)} must have the same shape.')
    num = query.shape[0]
    x = F.normalize(torch.cat([query, key.detach()], dim=0), dim=1)
    logits = x @ x.t() / temperature
    # A row is never its own negative.
    logits = logits.masked_fill(
        torch.eye(2 * num, dtype=torch.bool, device=x.device), float('-inf'))
    index = torch.arange(num, device=x.device)
    positives = torch.cat([index + num, index])
    return F.cross_entropy(logits, positives)


def base_loss(q1: torch.Tensor, q2: torch.Tensor, k1: torch.Tensor,
              k2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """``L_Base``: Eq. 2 of each online view against the momentum
    projection of the other view, averaged over the two pairs."""
    return (nt_xent(q1, k2, temperature) + nt_xent(q2, k1, temperature)) / 2


def mse_distill(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Eq. 6 as a mean squared error of L2-normalised vectors:
    ``||s/|s| - t/|t|||^2 = 2 - 2 s.t/(|s||t|)`` (Eq. 6's ``-z_s . z_t``
    up to the constant and factor 2), batch mean; the teacher is detached.
    """
    student = F.normalize(student, dim=1)
    teacher = F.normalize(teacher.detach(), dim=1)
    return (student - teacher).pow(2).sum(dim=1).mean()


def distill_loss(s1: torch.Tensor, s2: torch.Tensor, k1: torch.Tensor,
                 k2: torch.Tensor) -> torch.Tensor:
    """``L_Distill`` of one sub-network (Algorithm 1, line 15):
    ``D(g(M'(x1)), z2^t) + D(g(M'(x2)), z1^t)``."""
    return mse_distill(s1, k2) + mse_distill(s2, k1)
