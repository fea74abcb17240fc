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
        skip_plain=False, skip_memory=True, cfg_options={}), **kwargs))


def test_slimclr_limit_matches_the_width_squared_estimate(monkeypatch):
    monkeypatch.chdir(REPO)  # the algorithm configs are repo-relative
    row = bp.benchmark(args(), 'SlimCLR-MoCov2')
    assert row['widths'] == [1.0, 0.75, 0.5, 0.25]
    # (3 * sum w^2 + 1) / (3 + 1): backward ~ 2 x forward, one momentum
    # forward; the exact count differs only by the unslimmed stem input,
    # the projector and the logits.
    assert row['limit'] == pytest.approx((3 * 1.875 + 1) / 4, abs=0.08)
    assert row['time_sampled'] > row['time_full'] > 0
    assert row['channels'] == [64, 48, 32, 16]
    assert ('| SlimCLR-MoCov2 | 1 (64), 0.75 (48), 0.5 (32), 0.25 (16) |'
            in bp.table([row]))


def test_peak_memory_in_a_fresh_process(monkeypatch):
    monkeypatch.chdir(REPO)
    peak = bp.peak_memory(args(), 'SlimCLR-MoCov2', 'full')
    assert peak > 0


def test_cfg_options_reach_the_model_and_the_memory_process(monkeypatch):
    """``--cfg-options`` picks another random width of US3L (seed 4: 0.72,
    48 channels instead of seed 0's 0.836, 56 channels) and is applied in
    the fresh peak-memory process too (an invalid depth fails there)."""
    monkeypatch.chdir(REPO)
    channels = {}
    for seed in (0, 4):
        model = bp.build('US3L', 18, {'model.sampler.seed': seed})
        bp.set_phase(model, 'sampled')
        widths = [net.width for net in model.sample_subnets()]
        channels[seed] = bp.stage1_channels(model, widths)
    assert channels == {0: [64, 16, 56], 4: [64, 16, 48]}
    with pytest.raises(RuntimeError, match='Invalid depth 19'):
        bp.peak_memory(args(cfg_options={'model.backbone.depth': 19}),
                       'SlimCLR-MoCov2', 'full')


@pytest.mark.parametrize('name', ['SlimCLR-MoCov2', 'US3L', 'DSPNet'])
def test_plain_reference_computes_the_same_loss(monkeypatch, name):
    """The plain-network reference is the same step without slicing: from
    the same state, its loss equals the slimmable model's (sliced widths,
    universal widths, DSPNet's reduced depths)."""
    import copy

    import torch
    monkeypatch.chdir(REPO)
    model = bp.build(name, 18)
    batch = bp.make_batch(4, 32)
    twin = copy.deepcopy(model)
    reference = bp.PlainSubnets(twin)
    bp.set_phase(model, 'sampled')
    bp.set_phase(twin, 'sampled')
    subnets = model.sample_subnets()
    assert len(subnets) > 1 and any(not net.is_full for net in subnets)
    inputs = model.data_preprocessor(batch, True)['inputs']
    slimmable = model.loss(inputs, batch['data_samples'])
    with reference.active():
        plain = twin.loss(inputs, batch['data_samples'])
    # The plain copies hold no slimmable layer at all.
    from slimmm.models.ops.width import slimmable_layers
    assert not any(
        list(slimmable_layers(module))
        for copies in reference.copies.values()
        for module in copies.values())
    keys = sorted(k for k in slimmable if 'loss' in k or 'distill' in k)
    assert keys and keys == sorted(k for k in plain
                                   if 'loss' in k or 'distill' in k)
    for key in keys:
        assert torch.allclose(plain[key], slimmable[key], rtol=1e-5,
                              atol=1e-6), key


def test_ratios_are_medians_of_rounds_timed_side_by_side():
    """A slow round slows both of its phases: the paired ratio ignores it
    where a ratio of unpaired medians would not."""
    times = {
        ('slimmable', 'full'): [1.0, 2.0, 1.0],
        ('slimmable', 'sampled'): [1.5, 3.2, 1.7],
        ('plain', 'full'): [1.0, 1.0, 2.0],
        ('plain', 'sampled'): [1.4, 1.5, 3.0],
    }
    row = bp.timing_row(times)
    assert bp.paired_ratios(times, 'slimmable') == pytest.approx(
        [1.5, 1.6, 1.7])
    assert row['time_ratio'] == pytest.approx(1.6)
    assert row['plain_ratio'] == pytest.approx(1.5)
    assert row['time_full'] == 1.0 and row['time_sampled'] == 1.7
    # per round: 1.5/1.4 = 1.071, 1.6/1.5 = 1.067, 1.7/1.5 = 1.133
    assert row['overhead'] == pytest.approx(1.5 / 1.4)
    assert row['time_full_raw'] == [1.0, 2.0, 1.0]
    assert 'overhead' not in bp.timing_row(
        {k: v for k, v in times.items() if k[0] == 'slimmable'})
