"""PerWidthAccuracy: exact top-k per width and the key format."""
import torch

from slimmm.evaluation import PerWidthAccuracy


def test_per_width_topk_exact():
    metric = PerWidthAccuracy(topk=(1, 2))
    # 4 samples, 3 classes. width 1.0 right on 3/4 (top-2: 4/4); width 0.5
    # right on 1/4 (top-2: 3/4).
    full = torch.tensor([[.7, .2, .1], [.1, .8, .1], [.2, .3, .5],
                         [.5, .4, .1]])
    half = torch.tensor([[.1, .2, .7], [.6, .3, .1], [.2, .3, .5],
                         [.2, .3, .5]])
    labels = [0, 1, 2, 1]
    samples = [dict(gt_label=torch.tensor([y]),
                    width_scores={'1': full[i], '0_5': half[i]})
               for i, y in enumerate(labels)]
    metric.process({}, samples[:2])
    metric.process({}, samples[2:])
    out = metric.evaluate(4)
    assert out == {
        'width_1.0/accuracy/top1': 75.0,
        'width_1.0/accuracy/top2': 100.0,
        'width_0.5/accuracy/top1': 25.0,
        'width_0.5/accuracy/top2': 75.0,
    }
    assert list(out)[0].startswith('width_1.0')  # widest first
