"""SlimCLR through the stock mmengine Runner: resume is exact, the gradient
monitor logs its ratios, tools/train.py trains as two gloo ranks (the
processes and environment tools/dist_train.sh's torchrun starts)."""
import glob
import json
import os
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.runner import Runner
from tool_processes import run_tool_ranks

from slimmm.apis import load_config
from slimmm.engine.hooks.gradient_interference_hook import gradient_ratios
from slimmm.models.ops import ChannelSpec, SlimmableLinear

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = osp.join(REPO,
                'configs/slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py')
SMALL_BACKBONE = dict(stage_blocks=(1, 1, 1, 1), stem_channels=16,
                      base_channels=16)


def read_scalars(work_dir):
    paths = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    assert len(paths) == 1, paths
    with open(paths[0]) as f:
        return [json.loads(line) for line in f if line.strip()]


def iter_cfg(data_root, work_dir, max_iters=6, name='run'):
    """The tiny config, iteration-based, small and deterministic."""
    cfg = load_config(TINY)
    cfg.work_dir = work_dir
    cfg.experiment_name = name
    cfg.train_dataloader.batch_size = 8
    cfg.train_dataloader.dataset.data_root = data_root
    cfg.model.backbone.update(SMALL_BACKBONE)
    cfg.model.neck.hid_channels = 32
    cfg.model.queue_len = 16  # wraps around within the run
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
    cfg.param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters,
                                by_epoch=False, begin=0, end=max_iters)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=3,
                                        by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_processor = dict(window_size=1, by_epoch=False)
    cfg.custom_hooks = cfg.custom_hooks + [
        dict(type='slimmm.GradientInterferenceHook', interval=2)]
    cfg.randomness = dict(seed=0, deterministic=True)
    return cfg


def test_resume_continues_exactly(tiny_imagenet, tmp_path):
    straight = str(tmp_path / 'straight')
    Runner.from_cfg(iter_cfg(tiny_imagenet['root'], straight,
                             name='straight')).train()
    logs = {r['iter']: r for r in read_scalars(straight) if 'loss' in r}
    assert sorted(logs) == [1, 2, 3, 4, 5, 6]
    # Slow start at half: iterations 1-3 full width only, then all four.
    assert [logs[i]['n_subnets'] for i in range(1, 7)] == [1, 1, 1, 4, 4, 4]
    # The monitor measured on iterations 2, 4, 6 (the logger repeats the
    # latest measurement in between); the full network's layers dominate.
    ratio = {i: logs[i].get('grad_ratio_full_over_min') for i in logs}
    assert ratio[1] is None and ratio[2] is not None
    assert ratio[3] == ratio[2] and ratio[4] != ratio[3]
    assert ratio[5] == ratio[4] and ratio[6] != ratio[5]
    assert all(logs[i]['grad_ratio_full_over_min'] > 1 for i in (2, 4, 6))

    # "Interrupted" after iteration 3: resume from that checkpoint in a new
    # work dir (what `tools/train.py CONFIG --resume` does).
    resumed = str(tmp_path / 'resumed')
    cfg = iter_cfg(tiny_imagenet['root'], resumed, name='resumed')
    cfg.resume, cfg.load_from = True, osp.join(straight, 'iter_3.pth')
    Runner.from_cfg(cfg).train()
    again = {r['iter']: r for r in read_scalars(resumed) if 'loss' in r}
    assert sorted(again) == [4, 5, 6]
    for i in (4, 5, 6):
        for key in ('loss', 'w1_infonce', 'w0.25_infonce', 'w0.25_distill',
                    'lr'):
            assert again[i][key] == pytest.approx(logs[i][key], rel=1e-6,
                                                  abs=1e-9), (i, key)


def test_gradient_ratios_exact():
    layer = SlimmableLinear(ChannelSpec(4), ChannelSpec(4), bias=False)
    layer.weight.grad = torch.ones(4, 4)
    ratios = gradient_ratios(nn.Sequential(layer), smallest=0.5)
    # full: ||1_{4x4}|| = 4; min: the 2x2 slice, 2; rest: 12 entries.
    assert ratios['grad_norm_full'] == pytest.approx(4.0)
    assert ratios['grad_norm_min'] == pytest.approx(2.0)
    assert ratios['grad_ratio_full_over_min'] == pytest.approx(2.0)
    assert ratios['grad_ratio_rest_over_min'] == pytest.approx(12**0.5 / 2)


def train_two_gloo_ranks(config, work_dir, options, port) -> str:
    """``tools/train.py --launcher pytorch`` as two gloo ranks (the
    processes and environment tools/dist_train.sh's torchrun starts) for
    one epoch of 16 images at batch 4: both ranks exit 0, two iterations
    are logged with four sub-networks each, one checkpoint is written.
    Returns both ranks' output."""
    options = list(options) + [
        'train_dataloader.batch_size=4', 'train_dataloader.dataset.indices=16',
        'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1']
    ranks = run_tool_ranks(
        [osp.join(REPO, 'tools/train.py'), config, '--launcher', 'pytorch',
         '--work-dir', work_dir, '--cfg-options', *options], 2, port,
        env=dict(os.environ, OMP_NUM_THREADS='1'), timeout=300)
    log = ''.join(rank.stdout + rank.stderr for rank in ranks)
    assert [rank.returncode for rank in ranks] == [0, 0], log[-3000:]
    logs = [r for r in read_scalars(work_dir) if 'loss' in r]
    # 16 images / (2 ranks x 4) = 2 iterations.
    assert [r['iter'] for r in logs] == [1, 2]
    assert all(r['n_subnets'] == 4 for r in logs)
    assert osp.exists(osp.join(work_dir, 'epoch_1.pth'))
    return log


def test_dist_train_two_cpu_processes(tiny_imagenet, tmp_path, free_port):
    work_dir = str(tmp_path / 'dist')
    options = [
        f'train_dataloader.dataset.data_root={tiny_imagenet["root"]}',
        'model.backbone.stage_blocks=(1,1,1,1)',
        'model.backbone.stem_channels=16', 'model.backbone.base_channels=16',
        'model.neck.hid_channels=32', 'model.queue_len=16',
        'model.sampler.slow_start=0.0',
    ]
    train_two_gloo_ranks(TINY, work_dir, options, free_port)
