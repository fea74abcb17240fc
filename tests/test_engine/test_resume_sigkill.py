"""SIGKILL a real ``tools/train.py`` and ``--resume``: the losses logged
after each resume point equal those of an uninterrupted run.

Per config: one straight run (in this process, as tools/train.py runs it:
the processes are what costs), and one chain: a ``tools/train.py`` process
SIGKILLed right after the mid-epoch checkpoint of epoch 1 (iteration 2 of
4), a ``tools/train.py --resume`` process SIGKILLed right after the
checkpoint at the end of epoch 1 (iteration 4), and a last resume to the end
(in this process: only the two killed runs need their own). The killed
processes run tools/train.py as ``__main__`` in children forked from a
server that has imported the stack (tests/tool_processes.py). A new config
(e.g. the joint slimmable detector, ``detection-joint``) is one more entry
of ``RUNS``.
"""
import argparse
import glob
import json
import os
import os.path as osp
import signal
import time

import pytest
import torch
from mmengine.config import DictAction
from mmengine.runner import Runner
from tool_processes import ToolProcess, run_tool, wait_until

from slimmm.apis import load_run_config
from slimmm.datasets import check_data
from slimmm.utils.checkpoint import (ATOMIC_BACKEND, latest_checkpoint,
                                     write_atomically)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ITERS_PER_EPOCH = 4
MAX_ITERS = 2 * ITERS_PER_EPOCH
KILL_AFTER = (2, ITERS_PER_EPOCH)  # mid-epoch, then the epoch boundary

# Every run: two epochs of 4 iterations (batch 4 on 16 images), a
# checkpoint every 2 iterations, every iteration logged unsmoothed, CPU
# deterministic.
COMMON = [
    f'default_hooks.checkpoint.interval={KILL_AFTER[0]}',
    'default_hooks.checkpoint.by_epoch=False',
    'default_hooks.checkpoint.max_keep_ckpts=-1',
    'default_hooks.logger.interval=1', 'log_processor.window_size=1',
    'randomness.deterministic=True', 'randomness.seed=0',
    # No evaluation: the training losses are compared.
    'val_cfg=None', 'val_dataloader=None', 'val_evaluator=None',
]
SMALL_RESNET = ['model.backbone.stage_blocks=(1,1,1,1)',
                'model.backbone.stem_channels=16',
                'model.backbone.base_channels=16']
PRETRAIN = COMMON + SMALL_RESNET + [
    'train_dataloader.batch_size=4', 'train_dataloader.dataset.indices=16',
    'train_cfg.max_epochs=2', 'model.neck.hid_channels=32']
MOCO = PRETRAIN + ['model.queue_len=16']

#: id -> (config, --cfg-options). ``{tiny}``: the tiny ImageNet root.
RUNS = {
    'slimclr-mocov2': ('configs/slimclr/'
                       'slimclr-mocov2_slimmable-r18_1xb32-tiny.py', MOCO),
    'slimclr-mocov3': ('configs/slimclr/'
                       'slimclr-mocov3_slimmable-r18_1xb32-tiny.py',
                       PRETRAIN + ['model.predictor.hid_channels=32']),
    'us3l': ('configs/us3l/us3l_us-r18_1xb32-tiny.py',
             PRETRAIN + ['model.distill_head.hid_channels=32']),
    'dspnet': ('configs/dspnet/dspnet_slimmable-r18_1xb32-tiny.py',
               PRETRAIN + [
                   'model.predictor.hid_channels=32',
                   # two depths, so that random depths are drawn too
                   'model.backbone.stage_blocks=(2,2,2,2)',
                   'model.sampler.depths=[[1,1,1,1],[2,2,2,2]]']),
    'linear-probe': (
        'configs/benchmarks/linear_probe/'
        'slimclr-mocov2_switchable-linear_slimmable-r18_tiny.py',
        COMMON + SMALL_RESNET + [
            'train_dataloader.batch_size=4',
            'train_dataloader.dataset.indices=16', 'train_cfg.max_epochs=2',
            'model.backbone.init_cfg=None']),
    'detection-per-width': (
        'configs/benchmarks/mmdetection/faster-rcnn_slimmable-r18_fpn_'
        'tiny-voc.py',
        COMMON + SMALL_RESNET + [
            'model.backbone.width=0.5', 'model.backbone.init_cfg=None',
            # a 64-wide box head: checkpoints of 5 instead of 10 MB
            'model.roi_head.bbox_head.fc_out_channels=64',
            f'train_cfg.max_iters={MAX_ITERS}', 'train_cfg.val_interval=100',
            # 8 + 8 of the VOC 2007 + 2012 trainval images, batch 4.
            'train_dataloader.dataset.datasets.0.indices=8',
            'train_dataloader.dataset.datasets.1.indices=8',
            'train_dataloader.batch_size=4',
            # 48 px instead of 96 (Resize is the third transform)
            'train_dataloader.dataset.datasets.0.pipeline.2.scale=(48,48)',
            'train_dataloader.dataset.datasets.1.pipeline.2.scale=(48,48)']),
}
# The joint slimmable detector (several widths per iteration; two keep the
# test short): the same data, every width's losses compared.
RUNS['detection-joint'] = (
    'configs/benchmarks/mmdetection/faster-rcnn_slimmable-r18_fpn_joint_'
    'tiny-voc.py',
    [option for option in RUNS['detection-per-width'][1]
     if not option.startswith('model.backbone.width=')] +
    ['model.train_widths=[1.0,0.25]', 'model.eval_widths=[1.0,0.25]'])


def scalars(work_dir):
    """Logged training records of each process of a work dir, in order."""
    runs = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            runs.append({r['iter']: r for r in map(json.loads, f)
                         if 'loss' in r})
    return runs


def train_command(config, work_dir, options, resume=False):
    command = [osp.join(REPO, 'tools/train.py'), osp.join(REPO, config),
               '--work-dir', work_dir]
    if resume:
        command.append('--resume')
    return command + ['--cfg-options', *options]


def environment():
    return dict(os.environ, OMP_NUM_THREADS='1')


def next_second():
    """Sleep to the next wall-clock second. Each run logs under
    work_dir/<start time to the second>/: two runs of a chain started in
    the same second would share a folder."""
    time.sleep(1.01 - time.time() % 1)


def run_and_kill(command, work_dir, iteration, timeout=240):
    """Start ``python COMMAND`` and SIGKILL it as soon as the checkpoint of
    ``iteration`` is complete and recorded as the latest."""
    wanted = osp.join(work_dir, f'iter_{iteration}.pth')
    proc = ToolProcess(command, cwd=REPO, env=environment())
    try:
        wait_until(lambda: latest_checkpoint(work_dir) == wanted, proc,
                   timeout, f'iteration {iteration}')
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL


def train_in_process(config, work_dir, options, resume=False):
    """What ``tools/train.py CONFIG --work-dir W [--resume] --cfg-options
    ...`` does."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    overrides = parser.parse_args(['--cfg-options', *options]).cfg_options
    cfg = load_run_config(osp.join(REPO, config), overrides, work_dir)
    # mmdet names its visualizer 'visualizer': within one process a second
    # Runner would get the first one's instance, which logs into the first
    # run's work dir.
    if cfg.get('visualizer'):
        cfg.visualizer['name'] = f'visualizer:{work_dir}'
    if resume:
        cfg.resume, cfg.load_from = True, latest_checkpoint(work_dir)
    check_data(cfg, ['train_dataloader'])
    try:
        Runner.from_cfg(cfg).train()
    finally:  # randomness.deterministic=True switched it on
        torch.use_deterministic_algorithms(False)


# The per-width detector runs the same loop, hooks, sampler and RPN / RoI
# sampling as the joint one (one width instead of four): by default the
# joint chain covers both, `-m long` adds the per-width chain.
LONG_RUNS = ('detection-per-width', )


@pytest.mark.slow
@pytest.mark.parametrize('name', [
    pytest.param(name, marks=pytest.mark.long) if name in LONG_RUNS else name
    for name in RUNS])
def test_sigkill_then_resume_equals_straight_run(name, tiny_imagenet,
                                                 short_tmp_path):
    config, options = RUNS[name]
    if 'tiny-voc' in config:  # generated there on first use
        options = options + [f'data_root={short_tmp_path}/voc/VOCdevkit/']
    else:
        os.symlink(tiny_imagenet['root'], short_tmp_path / 'in')
        options = options + [
            f'train_dataloader.dataset.data_root={short_tmp_path}/in']
    straight, chain = str(short_tmp_path / 'a'), str(short_tmp_path / 'b')
    train_in_process(config, straight, options)
    expected = scalars(straight)[0]
    assert sorted(expected) == list(range(1, MAX_ITERS + 1))

    run_and_kill(train_command(config, chain, options), chain,
                 KILL_AFTER[0])
    next_second()
    run_and_kill(train_command(config, chain, options, resume=True), chain,
                 KILL_AFTER[1])
    next_second()
    train_in_process(config, chain, options, resume=True)
    segments = scalars(chain)
    assert len(segments) == 3
    # Each resumed process starts right after its checkpoint.
    assert min(segments[1]) == KILL_AFTER[0] + 1
    assert min(segments[2]) == KILL_AFTER[1] + 1
    assert max(segments[2]) == MAX_ITERS
    for segment in segments[1:]:
        for iteration, record in segment.items():
            for key, value in expected[iteration].items():
                if 'loss' in key or key in ('lr', 'n_subnets'):
                    assert record[key] == pytest.approx(
                        value, rel=1e-6, abs=1e-9), (name, iteration, key)


KILL_BETWEEN_WRITE_AND_RENAME = '''
import os, signal, sys
from mmengine.fileio import get_file_backend
import slimmm
from slimmm.utils import checkpoint
os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
backend = get_file_backend(sys.argv[1],
                           backend_args=dict(backend=checkpoint.ATOMIC_BACKEND))
backend.put(b'new checkpoint', sys.argv[1])
'''


def test_kill_while_saving_leaves_previous_checkpoint(tmp_path):
    work_dir = str(tmp_path)
    previous = osp.join(work_dir, 'iter_2.pth')
    write_atomically(b'complete', previous)
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(previous)
    target = osp.join(work_dir, 'iter_4.pth')
    proc = run_tool(['-c', KILL_BETWEEN_WRITE_AND_RENAME, target],
                    env=environment(), timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    # The bytes were written, but only to a hidden temporary file.
    leftovers = os.listdir(work_dir)
    assert not osp.exists(target)
    assert any(name.endswith('.tmp') for name in leftovers), leftovers
    assert latest_checkpoint(work_dir) == previous
    # An empty record (killed while mmengine wrote it) falls back to the
    # newest complete checkpoint, never the temporary file.
    open(osp.join(work_dir, 'last_checkpoint'), 'w').close()
    assert latest_checkpoint(work_dir) == previous
    assert ATOMIC_BACKEND == 'slimmm_atomic_local'


# ---- kills and SIGTERM in the middle of a checkpoint save ---------------
#: ``python -c`` program: tools/train.py with a kill (or, for 'sigterm', a
#: 3 s pause announced by a marker file) at one point of the save of
#: ``TARGET``: before its temporary file is opened, while it is written (the
#: file cut to half, as a kill mid-write leaves it), after its rename but
#: before ``last_checkpoint`` names it, after both but before the checkpoint
#: that ``max_keep_ckpts`` pushes out is removed. Only the operating
#: system's calls are intercepted (open, fsync, replace, remove), not slimmm.
KILL_DURING_SAVE = '''
import builtins, os, runpy, signal, sys, time
point, target, marker, train_py = sys.argv[1:5]
real = dict(open=builtins.open, fsync=os.fsync, replace=os.replace,
            remove=os.remove)
def die():
    os.kill(os.getpid(), signal.SIGKILL)
def saved():  # the target checkpoint is complete and in place
    return any(name == target for name in os.listdir(work_dir))
def is_temporary_of_target(path):
    name = os.path.basename(str(path))
    return name.startswith('.' + target + '.') and name.endswith('.tmp')
def opened(path, *args, **kwargs):
    if point == 'before-temporary' and is_temporary_of_target(path):
        die()
    return real['open'](path, *args, **kwargs)
def fsync(fd):
    if is_temporary_of_target(os.readlink('/proc/self/fd/%d' % fd)):
        if point == 'during-write':
            os.ftruncate(fd, os.fstat(fd).st_size // 2)
            die()
        if point == 'sigterm':
            real['open'](marker, 'w').close()
            time.sleep(3)
    real['fsync'](fd)
def replace(src, dst, *args, **kwargs):
    if point == 'before-record' and str(dst).endswith('last_checkpoint') \\
            and saved():
        die()
    real['replace'](src, dst, *args, **kwargs)
def remove(path, *args, **kwargs):
    name = os.path.basename(str(path))
    if point == 'before-removal' and name.endswith('.pth') and saved():
        die()
    real['remove'](path, *args, **kwargs)
work_dir = sys.argv[sys.argv.index('--work-dir') + 1]
builtins.open, os.fsync, os.replace, os.remove = opened, fsync, replace, \\
    remove
sys.argv = [train_py] + sys.argv[5:]
runpy.run_path(train_py, run_name='__main__')
'''
SAVE_AT = ITERS_PER_EPOCH  # the save killed: iteration 4 of 8
#: point -> the iteration the resumed run continues from.
RESUMES_FROM = {'before-temporary': SAVE_AT - 1, 'during-write': SAVE_AT - 1,
                'before-record': SAVE_AT - 1, 'before-removal': SAVE_AT,
                'sigterm': SAVE_AT}


def every_iteration_saved(max_keep):
    """The SlimCLR-MoCov2 chain's options, a checkpoint every iteration."""
    config, options = RUNS['slimclr-mocov2']
    return config, options + ['default_hooks.checkpoint.interval=1',
                              f'default_hooks.checkpoint.max_keep_ckpts='
                              f'{max_keep}']


@pytest.fixture(scope='module')
def straight_mocov2_run(tiny_imagenet, tmp_path_factory):
    """Losses of an uninterrupted run (max_keep_ckpts does not change
    them)."""
    work_dir = str(tmp_path_factory.mktemp('straight'))
    config, options = every_iteration_saved(1)
    options = options + [
        f'train_dataloader.dataset.data_root={tiny_imagenet["root"]}']
    train_in_process(config, work_dir, options)
    return scalars(work_dir)[0]


@pytest.mark.slow
@pytest.mark.parametrize('point,max_keep', [
    (point, 1) for point in RESUMES_FROM] + [
    # max_keep_ckpts=3 removes the oldest of three: the two points where
    # the old checkpoint is needed, or is about to go.
    ('during-write', 3), ('before-removal', 3)])
def test_kill_during_a_save_then_resume_equals_straight_run(
        point, max_keep, straight_mocov2_run, tiny_imagenet, short_tmp_path):
    config, options = every_iteration_saved(max_keep)
    options = options + [
        f'train_dataloader.dataset.data_root={tiny_imagenet["root"]}']
    work_dir = str(short_tmp_path / 'w')
    target = f'iter_{SAVE_AT}.pth'
    marker = str(short_tmp_path / 'saving')
    proc = ToolProcess(
        ['-c', KILL_DURING_SAVE, point, target, marker,
         *train_command(config, work_dir, options)],
        cwd=REPO, env=environment())
    if point == 'sigterm':
        wait_until(lambda: osp.exists(marker), proc, 240, 'the save')
        os.kill(proc.pid, signal.SIGTERM)
    proc.wait(240)
    expected_signal = signal.SIGTERM if point == 'sigterm' else \
        signal.SIGKILL
    assert proc.returncode == -expected_signal, proc.stderr[-3000:]
    saved = sorted(name for name in os.listdir(work_dir)
                   if name.endswith('.pth'))
    # Never fewer complete checkpoints than max_keep_ckpts allows.
    assert len(saved) >= min(max_keep, SAVE_AT - 1), (point, saved)
    if point == 'sigterm':  # the save finished, then the run stopped
        assert saved[-1] == target and latest_checkpoint(work_dir) == \
            osp.join(work_dir, target), saved
    next_second()
    train_in_process(config, work_dir, options, resume=True)
    segments = scalars(work_dir)
    resumed = segments[-1]
    assert min(resumed) == RESUMES_FROM[point] + 1, (point, sorted(resumed))
    assert max(resumed) == MAX_ITERS
    for iteration, record in resumed.items():
        for key, value in straight_mocov2_run[iteration].items():
            if 'loss' in key or key == 'lr':
                assert record[key] == pytest.approx(
                    value, rel=1e-6, abs=1e-9), (point, iteration, key)
    # The half-written temporary file of the killed save is gone.
    assert not [name for name in os.listdir(work_dir)
                if name.endswith('.tmp')]


def test_resume_point_falls_back_or_says_why(tmp_path, capsys):
    from slimmm.utils.checkpoint import ResumeError, resume_point
    work_dir = str(tmp_path)
    assert resume_point(work_dir) == (None, None)  # nothing saved yet
    record = osp.join(work_dir, 'last_checkpoint')
    gone = osp.join(work_dir, 'epoch_1.pth')
    with open(record, 'w') as f:
        f.write(gone)
    with pytest.raises(ResumeError, match=f'{record} names {gone}, which is '
                       'missing, and .* holds no complete checkpoint to '
                       'resume from; to start this run afresh, run it '
                       'without --resume'):
        resume_point(work_dir)
    older = osp.join(work_dir, 'epoch_2.pth')
    torch.save({'meta': {}}, older)
    truncated = osp.join(work_dir, 'epoch_3.pth')
    torch.save({'meta': {}, 'pad': torch.zeros(1000)}, truncated)
    with open(truncated, 'r+b') as f:
        f.truncate(osp.getsize(truncated) // 2)
    with open(record, 'w') as f:
        f.write(truncated)
    assert resume_point(work_dir) == (
        older, f'{record} names {truncated}, which is incomplete; resuming '
        f'from {older}, the newest complete checkpoint there.')
    # tools/train.py says it in one line and stops, before building anything
    os.remove(older)
    proc = run_tool([osp.join(REPO, 'tools/train.py'),
                     osp.join(REPO, RUNS['slimclr-mocov2'][0]),
                     '--work-dir', work_dir, '--resume'], timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f'error: {record} names {truncated}, which is incomplete, and '
        f'{work_dir} holds no complete checkpoint to resume from; to start '
        'this run afresh, run it without --resume (or resume=False).']


@pytest.mark.slow
def test_stock_resume_falls_back_through_the_hook(tiny_imagenet,
                                                  short_tmp_path):
    """``resume=True`` without a file, as the stock MM train.py sets it:
    the hook picks the newest complete checkpoint when ``last_checkpoint``
    names one that is gone, and the resumed losses are the run's own."""
    config, options = RUNS['slimclr-mocov2']
    options = options + [
        f'train_dataloader.dataset.data_root={tiny_imagenet["root"]}']
    work_dir = str(short_tmp_path / 'w')
    train_in_process(config, work_dir, options)
    expected = scalars(work_dir)[0]
    os.remove(osp.join(work_dir, f'iter_{MAX_ITERS}.pth'))  # the record's
    next_second()
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    overrides = parser.parse_args(['--cfg-options', *options]).cfg_options
    cfg = load_run_config(osp.join(REPO, config), overrides, work_dir)
    cfg.resume, cfg.load_from = True, None  # what the stock tools set
    try:
        Runner.from_cfg(cfg).train()
    finally:
        torch.use_deterministic_algorithms(False)
    resumed = scalars(work_dir)[-1]
    assert sorted(resumed) == [MAX_ITERS - 1, MAX_ITERS]
    for iteration, record in resumed.items():
        assert record['loss'] == pytest.approx(expected[iteration]['loss'],
                                               rel=1e-6)
