"""kNN classification with features on CUDA and labels on the CPU (as
data samples may hold them)."""
import pytest
import torch

from slimmm.evaluation.knn import knn_classify

pytestmark = pytest.mark.cuda


def test_knn_votes_on_cuda_equal_cpu(cuda):
    generator = torch.Generator().manual_seed(0)
    bank = torch.randn(64, 16, generator=generator)
    labels = torch.randint(0, 5, (64, ), generator=generator)
    query = torch.randn(8, 16, generator=generator)
    want = knn_classify(bank, labels, query, 5, k=7)
    got = knn_classify(bank.to(cuda), labels, query.to(cuda), 5, k=7)
    assert got.device.type == cuda.type
    torch.testing.assert_close(got.cpu(), want, rtol=1e-5, atol=1e-5)
