"""k-nearest-neighbour classification on frozen features, per width.

DSPNet Appendix A.2: "a sample is classified by taking the most frequent
label of its K-nearest neighbors (K = 20) based on the same frozen
representation" -- neighbours by cosine similarity. By default the votes
are weighted by ``exp(similarity / T)`` with T = 0.07, the usual protocol of
InstDisc (Wu et al., 2018, Eq. 8) that most SSL papers report; set
``temperature=None`` for the plain majority vote.
"""
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .metrics.per_width_accuracy import topk_accuracy


def knn_classify(bank_feats: torch.Tensor, bank_labels: torch.Tensor,
                 query_feats: torch.Tensor, num_classes: int, k: int = 20,
                 temperature: Optional[float] = 0.07,
                 chunk_size: int = 1024) -> torch.Tensor:
    """Class scores of each query from its ``k`` nearest bank features.

    Args:
        bank_feats (Tensor): ``(N, D)`` features of the labelled bank.
        bank_labels (Tensor): ``(N,)`` class indices.
        query_feats (Tensor): ``(M, D)`` features to classify.
        num_classes (int): Number of classes.
        k (int): Neighbours per query (capped at ``N``).
        temperature (float, optional): Vote weight ``exp(sim / T)``; None
            for one vote per neighbour.
        chunk_size (int): Queries per similarity matrix (bounds memory).

    Returns:
        Tensor: ``(M, num_classes)`` summed votes; argmax is the prediction.
    """
    if bank_feats.size(0) != bank_labels.numel():
        raise ValueError(f'{bank_feats.size(0)} bank features but '
                         f'{bank_labels.numel()} labels.')
    bank = F.normalize(bank_feats.float(), dim=1)
    # Votes are counted where the features are (labels may come from
    # data samples on another device).
    labels = bank_labels.long().view(-1).to(bank.device)
    k = min(int(k), bank.size(0))
    out = []
    for start in range(0, query_feats.size(0), chunk_size):
        query = F.normalize(query_feats[start:start + chunk_size].float(),
                            dim=1)
        sims, index = (query @ bank.t()).topk(k, dim=1)
        weights = torch.ones_like(sims) if temperature is None else \
            (sims / temperature).exp()
        scores = torch.zeros(query.size(0), num_classes,
                             device=query.device)
        out.append(scores.scatter_add_(1, labels[index], weights))
    return torch.cat(out)


@torch.no_grad()
def extract_features(model, loader: Iterable,
                     width: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pooled features (``model.extract_feat``) and labels of a loader."""
    feats, labels = [], []
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        feats.append(model.extract_feat(data['inputs'], width).cpu())
        labels.append(
            torch.cat([s.gt_label for s in data['data_samples']]).cpu())
    return torch.cat(feats), torch.cat(labels)


def knn_evaluate(model, bank_loader: Iterable, query_loader: Iterable,
                 num_classes: int, widths: Optional[Sequence[float]] = None,
                 k: int = 20, temperature: Optional[float] = 0.07,
                 topk: Sequence[int] = (1, 5)) -> List[Dict]:
    """kNN top-k accuracy of every width of a per-width model.

    Args:
        model: A model with ``extract_feat(inputs, width)``, ``widths`` and
            ``data_preprocessor`` (e.g. ``SwitchableLinearClassifier``; its
            linear heads are not used).
        bank_loader (Iterable): Labelled training images (test transforms).
        query_loader (Iterable): Images to classify.
        num_classes (int): Number of classes.
        widths (Sequence[float], optional): Defaults to ``model.widths``.
        k, temperature: See :func:`knn_classify`.
        topk (Sequence[int]): The k of top-k accuracy.

    Returns:
        list[dict]: ``{'width', 'top1', 'top5'}`` per width.
    """
    model.eval()
    rows = []
    for width in widths or model.widths:
        bank, bank_labels = extract_features(model, bank_loader, width)
        query, labels = extract_features(model, query_loader, width)
        scores = knn_classify(bank, bank_labels, query, num_classes, k,
                              temperature)
        accs = topk_accuracy(scores, labels, topk)
        rows.append(dict(width=float(width),
                         **{f'top{n}': acc for n, acc in accs.items()}))
    return rows
