"""CUDA tests: marked ``cuda`` (``pytest -m cuda`` selects them,
``tools/benchmarks/gpu_check.py`` runs them) and skipped where torch sees
no CUDA device, so the CPU suite stays green.

Every test here runs in full fp32 unless it tests AMP: cuDNN's default
TF32 convolutions would otherwise blur equalities to ~1e-3.
"""
import pytest
import torch

from slimmm.analysis.speed import full_fp32

NO_CUDA = 'needs a CUDA device (torch.cuda.is_available() is False)'


def pytest_collection_modifyitems(config, items):
    """Skip every ``cuda``-marked test when there is no CUDA device."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason=NO_CUDA)
    for item in items:
        if 'cuda' in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def cuda():
    """The CUDA device, with fresh peak-memory statistics, full fp32
    convolutions, and the cache emptied afterwards so that one test's
    allocations cannot inflate the next one's peak."""
    device = torch.device('cuda')
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats(device)
    with full_fp32():
        yield device
    torch.cuda.synchronize(device)
    torch.cuda.empty_cache()
