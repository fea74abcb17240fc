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
