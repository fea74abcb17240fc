"""Top-k accuracy of every width in one evaluation pass."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.evaluation import Accuracy

from ...models.ops import metric_prefix
from ...registry import METRICS


def width_of_key(key: str) -> float:
    """Inverse of :func:`slimmm.models.ops.width_key` ('0_75' -> 0.75)."""
    return float(key.replace('_', '.'))


def topk_accuracy(scores: torch.Tensor, labels: torch.Tensor,
                  topk: Sequence[int]) -> Dict[int, float]:
    """Percentage of samples whose label is among the ``k`` best scores
    (mmpretrain's ``Accuracy.calculate``, without a score threshold; a
    ``k`` beyond the number of classes counts every sample)."""
    ks = [min(int(k), scores.size(1)) for k in topk]
    accs = Accuracy.calculate(scores, labels, topk=ks, thrs=(None, ))
    return {k: float(acc[0]) for k, acc in zip(topk, accs)}


@METRICS.register_module()
class PerWidthAccuracy(BaseMetric):
    """Top-k accuracy per width, from ``data_sample.width_scores``.

    Models that evaluate several widths in one pass (e.g.
    :class:`slimmm.models.SwitchableLinearClassifier`) store a dict
    ``{width_key: scores}`` per sample; this metric reports
    ``width_<w>/accuracy/top<k>`` for every width, e.g.
    ``width_0.5/accuracy/top1``.

    Args:
        topk (Sequence[int]): The k of top-k accuracy.
        collect_device (str): Where results are gathered across ranks.
        prefix (str, optional): Ignored in the keys (the width is the
            prefix); kept for BaseMetric compatibility.
    """

    default_prefix: Optional[str] = ''  # keys start with the width

    def __init__(self, topk: Sequence[int] = (1, 5),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(int(k) for k in topk)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'width_scores' not in sample:
                raise KeyError(
                    'PerWidthAccuracy needs per-width scores in '
                    'data_sample.width_scores; use a per-width model such as '
                    'slimmm.SwitchableLinearClassifier.')
            self.results.append(dict(
                label=int(torch.as_tensor(sample['gt_label']).view(-1)[0]),
                scores={k: v.detach().cpu()
                        for k, v in sample['width_scores'].items()}))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        labels = torch.tensor([r['label'] for r in results])
        keys = sorted(results[0]['scores'], key=width_of_key, reverse=True)
        metrics = {}
        for key in keys:
            scores = torch.stack([r['scores'][key] for r in results])
            for k, acc in topk_accuracy(scores, labels, self.topk).items():
                metrics[f'{metric_prefix(width_of_key(key))}/accuracy/'
                        f'top{k}'] = acc
        return metrics
