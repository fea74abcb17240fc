"""tools/analysis_tools/benchmark_pretrain.py on a small batch: the FLOPs
limit counted over whole training steps matches the analytic estimate, and
the memory path runs in a fresh process."""
import argparse
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
import benchmark_pretrain as bp  # noqa: E402


def args(**kwargs):
    return argparse.Namespace(**dict(dict(
        depth=18, image_size=32, batch_size=4, repeats=1, skip_time=False,
        skip_memory=True), **kwargs))


def test_slimclr_limit_matches_the_width_squared_estimate(monkeypatch):
    monkeypatch.chdir(REPO)  # the algorithm configs are repo-relative
    row = bp.benchmark(args(), 'SlimCLR-MoCov2')
    assert row['widths'] == [1.0, 0.75, 0.5, 0.25]
    # (3 * sum w^2 + 1) / (3 + 1): backward ~ 2 x forward, one momentum
    # forward; the exact count differs only by the unslimmed stem input,
    # the projector and the logits.
    assert row['limit'] == pytest.approx((3 * 1.875 + 1) / 4, abs=0.08)
    assert row['time_sampled'] > row['time_full'] > 0
    assert '| SlimCLR-MoCov2 | 1, 0.75, 0.5, 0.25 |' in bp.table([row])


def test_peak_memory_in_a_fresh_process(monkeypatch):
    monkeypatch.chdir(REPO)
    peak = bp.peak_memory(args(), 'SlimCLR-MoCov2', 'full')
    assert peak > 0
