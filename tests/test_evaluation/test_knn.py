"""kNN on hand-built features: exact accuracies and the vote weighting."""
import torch

from slimmm.evaluation import knn_classify, topk_accuracy


def test_knn_separable_clusters_exact_accuracy():
    # Three classes on three axes; two queries sit on the wrong axis.
    bank = torch.cat([torch.eye(3)[c].repeat(4, 1) +
                      0.01 * torch.arange(4.).view(-1, 1) for c in range(3)])
    labels = torch.arange(3).repeat_interleave(4)
    query = torch.tensor([[1., .1, 0], [0, 2., .1], [.1, 0, 3.],
                          [0, 1., 0], [1., 0, 0], [0, 0, 1.],
                          [0, .5, .1], [.2, 0, .1]])
    truth = torch.tensor([0, 1, 2, 0, 2, 2, 1, 2])
    scores = knn_classify(bank, labels, query, num_classes=3, k=4)
    assert scores.argmax(1).tolist() == [0, 1, 2, 1, 0, 2, 1, 0]
    assert topk_accuracy(scores, truth, (1, ))[1] == 100 * 5 / 8
    # k = 4 = images per class: each query's votes all go to one class.
    assert ((scores > 0).sum(1) == 1).all()


def test_cosine_not_euclidean():
    # Same direction, very different norms: cosine says same class.
    bank = torch.tensor([[10., 0.], [0., 1.]])
    labels = torch.tensor([0, 1])
    scores = knn_classify(bank, labels, torch.tensor([[0.1, 0.001]]), 2, k=1)
    assert scores.argmax(1).item() == 0


def test_temperature_weighted_vote_vs_majority():
    # k = 3: two class-0 neighbours at cos 0.6, one class-1 neighbour at
    # cos 0.99. Majority says 0; exp(sim / 0.07) weights say 1.
    q = torch.tensor([[1., 0.]])
    bank = torch.tensor([[0.6, 0.8], [0.6, -0.8], [0.99, (1 - .99**2)**.5],
                         [-1., 0.]])
    labels = torch.tensor([0, 0, 1, 0])
    majority = knn_classify(bank, labels, q, 2, k=3, temperature=None)
    assert majority.tolist() == [[2.0, 1.0]]
    weighted = knn_classify(bank, labels, q, 2, k=3, temperature=0.07)
    expected = torch.tensor([[2 * torch.exp(torch.tensor(0.6 / 0.07)),
                              torch.exp(torch.tensor(0.99 / 0.07))]])
    assert torch.allclose(weighted, expected, rtol=1e-4)
    assert weighted.argmax(1).item() == 1


def test_k_larger_than_bank_and_chunks():
    bank, labels = torch.eye(2), torch.tensor([0, 1])
    query = torch.tensor([[1., 0.], [0., 1.], [1., .2]])
    full = knn_classify(bank, labels, query, 2, k=20, temperature=None)
    assert full.tolist() == [[1., 1.]] * 3  # both bank items vote
    chunked = knn_classify(bank, labels, query, 2, k=1, chunk_size=2)
    assert chunked.argmax(1).tolist() == [0, 1, 0]


def test_knn_evaluate_per_width_matches_manual():
    from mmpretrain.structures import DataSample

    from slimmm.evaluation import extract_features, knn_evaluate
    from slimmm.models import SwitchableLinearClassifier
    torch.manual_seed(0)
    model = SwitchableLinearClassifier(
        backbone=dict(type='slimmm.SlimmableResNet', depth=18, stem_channels=8,
                      base_channels=8, widths=[1.0, 0.5]),
        num_classes=3,
        data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor',
                               mean=[128.] * 3, std=[64.] * 3))
    model.init_weights()

    def loader(seed):
        g = torch.Generator().manual_seed(seed)
        return [dict(inputs=list((torch.rand(4, 3, 32, 32, generator=g) *
                                  255).to(torch.uint8)),
                     data_samples=[DataSample().set_gt_label(i % 3)
                                   for i in range(4)]) for _ in range(2)]

    bank, query = loader(0), loader(1)
    rows = knn_evaluate(model, bank, query, 3, k=3)
    assert [r['width'] for r in rows] == [1.0, 0.5]
    for row in rows:
        feats, labels = extract_features(model, bank, row['width'])
        q, q_labels = extract_features(model, query, row['width'])
        assert feats.shape == (8, 64 if row['width'] == 1.0 else 32)
        scores = knn_classify(feats, labels, q, 3, k=3)
        assert row['top1'] == topk_accuracy(scores, q_labels, (1, ))[1]
