"""GPU readiness check of slimmm: one command, a Markdown + JSON report.

    python tools/benchmarks/gpu_check.py [--quick | --cpu] [--out DIR]
        [--steps NAME ...] [--minutes M]

Steps, the most important numbers first, each in its own process with its
own time budget (a crash, a hang or a CUDA error in one step is recorded in
the report and the next step still runs; ``--cpu`` runs the Python steps in
its own process, without budgets):

* ``pretrain:<algorithm>``: ``tools/analysis_tools/benchmark_pretrain.py``
  for one algorithm at ResNet-50, the paper's crop (DSPNet: its ResNet-34
  x 1.5 family at 128 px) and the config's per-GPU batch: sampled step
  against the full-width-only step, the FLOPs limit and the same step with
  plain sub-networks; peak memory of both steps.
* ``cuda_tests``: ``pytest -m cuda tests/test_cuda`` (AMP at every width,
  BN under autocast, SyncBN conversion, calibration, MoCo queue and
  shuffle, per-width-backward memory, exported widths).
* ``amp``: a few ``train_step`` of each algorithm (ResNet-50) under
  ``AmpOptimWrapper`` in bf16 and fp16 with a dynamic loss scale: every
  width's loss finite, the steps the loss scale skipped, the step time.
* ``width_speed``: ``tools/analysis_tools/benchmark_width_speed.py`` on the
  slimmable ResNet-50: each width against its exported plain network,
  forward and forward+backward, NCHW and channels_last, and their output
  difference in fp32.
* ``joint``: ``tools/analysis_tools/benchmark_joint_detector.py`` on the
  joint slimmable detector of SlimCLR's Table 2 recipe (``JOINT_CONFIG``;
  the tiny joint Mask R-CNN in ``--cpu`` mode): one joint iteration (every
  width, one backward each, one optimizer step) against the four per-width
  iterations side by side, FLOPs, and its peak memory against one
  full-width iteration.
* ``maskrcnn``: one Mask R-CNN R-50-FPN training iteration at 1333 x 800
  (two images) per width of the slimmable backbone.

Modes: the full check fits in 8 minutes on one H100/H200 GPU, ``--quick``
in 3 (fewer algorithms and repeats); ``--cpu`` runs every step on the CPU
at tiny sizes (CI runs it to prove the check works end to end). Nothing is
downloaded: all inputs are synthetic.

The report goes to ``--out``, else ``$OUT``, else ``work_dirs/gpu_check``:
``gpu_check.md``, ``gpu_check.json`` (rewritten after every step, so a
killed run keeps what it measured), ``logs/<step>.log`` and each step's
raw output. An existing report is never overwritten.
"""
import argparse
import importlib.util
import json
import math
import os
import os.path as osp
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from typing import Callable, Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PRETRAIN_TOOL = 'tools/analysis_tools/benchmark_pretrain.py'
WIDTH_SPEED_TOOL = 'tools/analysis_tools/benchmark_width_speed.py'
JOINT_COST_TOOL = 'tools/analysis_tools/benchmark_joint_detector.py'
SLIMMABLE_R50 = 'configs/backbones/slimmable-r50_4widths.py'
MASK_RCNN = ('configs/benchmarks/mmdetection/'
             'mask-rcnn_slimmable-r50_fpn_syncbn_1x_coco.py')
#: The joint slimmable detector measured: SlimCLR's Table 2 recipe, and
#: its tiny twin in --cpu mode.
JOINT_CONFIG = dict(
    gpu='configs/benchmarks/mmdetection/'
    'mask-rcnn_slimmable-r50_fpn_joint-4widths_8xb8-1x_coco.py',
    cpu='configs/benchmarks/mmdetection/'
    'mask-rcnn_slimmable-r18_fpn_joint_tiny-coco.py')
WIDTHS = [1.0, 0.75, 0.5, 0.25]

# The pretraining configs, their per-GPU batch (the ``NxbB`` of the file
# name) and crop. None of them sets an AmpOptimWrapper: they train in fp32
# (cuDNN's default TF32 on the GPU), and so does the benchmark.
ALGORITHMS = {
    'SlimCLR-MoCov3': dict(
        config='configs/slimclr/'
        'slimclr-mocov3_slimmable-r50_8xb128-lars-coslr-300e_in1k.py',
        batch=128, size=224),
    'DSPNet': dict(
        config='configs/dspnet/'
        'dspnet_slimmable-r34x1.5_16xb256-lars-coslr-300e_in1k.py',
        batch=256, size=128),
    'SlimCLR-MoCov2': dict(
        config='configs/slimclr/'
        'slimclr-mocov2_slimmable-r50_8xb128-coslr-200e_in1k.py',
        batch=128, size=224),
    'US3L': dict(config='configs/us3l/us3l_us-r50_8xb64-coslr-100e_in1k.py',
                 batch=64, size=224),
}
# Algorithms that backpropagate one sub-network at a time (the memory
# target applies to them; the others build one graph of all widths).
PER_WIDTH_BACKWARD = ('SlimCLR-MoCov3', 'DSPNet')

# The GPU targets.
TIME_TARGET = 1.10  # sampled step / the same step with plain sub-networks
MEMORY_TARGET = 1.15  # per-width-backward peak / full-width-only peak
EQUAL_TOLERANCE = 1e-5  # max |exported - slimmable| / max |slimmable|
JOINT_TIME_TARGET = 1.05  # joint iteration / sum of per-width iterations
JOINT_MEMORY_TARGET = 1.15  # joint peak / one full-width iteration's peak

# What every step needs; checked without importing (seconds saved), so a
# machine without the stack fails before spending device time.
REQUIRED_MODULES = ('torch', 'mmengine', 'mmcv', 'mmcv._ext', 'mmdet',
                    'mmpretrain', 'pytest')

MODES = ('full', 'quick', 'cpu')
# Wall-clock limit of the whole check per mode (seconds).
TOTAL_BUDGET = dict(full=480, quick=180, cpu=300)
# A step is not started with less time left than this.
MIN_STEP_SECONDS = 15


# ---- the steps --------------------------------------------------------------
class Step:
    """One step: a command in its own process (this file's own steps, in
    the CPU mode, in this process), then a summary of what it wrote.

    Args:
        name (str): Step name (``--steps``, report headings, log file).
        budgets (dict): Seconds per mode; a mode without an entry skips
            the step.
        command (callable): ``(mode, out_dir) -> argv``.
        summarise (callable): ``(mode, out_dir) -> dict`` read from the
            step's output after it exited with status 0.
        not_run (callable): Why the step has nothing to do here (the
            step is then recorded as skipped without starting it), or ''.
    """

    def __init__(self, name: str, budgets: Dict[str, int],
                 command: Callable, summarise: Callable,
                 not_run: Callable[[], str] = lambda: ''):
        self.name = name
        self.budgets = budgets
        self.command = command
        self.summarise = summarise
        self.not_run = not_run


def _self_command(step: str, mode: str, out_dir: str) -> List[str]:
    """Run one of this file's own steps (``--run-step``) in a child."""
    return [sys.executable, osp.abspath(__file__), '--run-step', step,
            '--mode', mode, '--out', out_dir]


def _read_json(out_dir: str, name: str):
    with open(osp.join(out_dir, name)) as f:
        return json.load(f)


# ---- pretraining benchmark ---------------------------------------------
def pretrain_step(algorithm: str) -> Step:
    def command(mode: str, out_dir: str) -> List[str]:
        spec = ALGORITHMS[algorithm]
        argv = [sys.executable, PRETRAIN_TOOL, '--algorithms', algorithm,
                '--out', osp.join(out_dir, _pretrain_file(algorithm))]
        if mode == 'cpu':
            return argv + ['--depth', '18', '--image-size', '32',
                           '--batch-size', '4', '--repeats', '1',
                           '--skip-memory']
        return argv + ['--depth', '50', '--image-size', str(spec['size']),
                       '--batch-size', str(spec['batch']), '--repeats',
                       '2' if mode == 'quick' else '5']

    def summarise(mode: str, out_dir: str) -> Dict:
        row = _read_json(out_dir, _pretrain_file(algorithm))[0]
        keep = ('widths', 'image_size', 'limit', 'time_full',
                'time_sampled', 'time_ratio', 'plain_full', 'plain_sampled',
                'plain_ratio', 'overhead', 'mem_full', 'mem_sampled',
                'mem_ratio')
        result = {k: row[k] for k in keep if k in row}
        result['batch'] = 4 if mode == 'cpu' else \
            ALGORITHMS[algorithm]['batch']
        if 'plain_sampled' in row:
            result['sampled_over_plain'] = (row['time_sampled'] /
                                            row['plain_sampled'])
        return result

    budgets = dict(full=100, quick=70, cpu=60)
    if algorithm in ('SlimCLR-MoCov2', 'US3L'):
        budgets.pop('quick')
    if algorithm != 'SlimCLR-MoCov3':
        budgets.pop('cpu')  # one algorithm proves the step on CPU
    return Step(f'pretrain:{algorithm}', budgets, command, summarise)


def _pretrain_file(algorithm: str) -> str:
    return f'pretrain_{algorithm}.json'


# ---- CUDA tests -------------------------------------------------------------
def cuda_tests_command(mode: str, out_dir: str) -> List[str]:
    return [sys.executable, '-m', 'pytest', 'tests/test_cuda', '-m', 'cuda',
            '-q', '-rs', '-p', 'no:cacheprovider',
            f'--junitxml={osp.join(out_dir, "cuda_tests.xml")}']


def cuda_tests_summary(mode: str, out_dir: str) -> Dict:
    """Counts and the failed tests of pytest's JUnit XML."""
    root = ElementTree.parse(osp.join(out_dir, 'cuda_tests.xml')).getroot()
    cases = root.iter('testcase')
    result = dict(passed=[], failed=[], skipped=[])
    for case in cases:
        name = f'{case.get("classname", "")}::{case.get("name")}'
        if case.find('failure') is not None or \
                case.find('error') is not None:
            result['failed'].append(name)
        elif case.find('skipped') is not None:
            result['skipped'].append(name)
        else:
            result['passed'].append(name)
    return result


# ---- the step registry ------------------------------------------------------
def _width_speed_command(mode: str, out_dir: str) -> List[str]:
    argv = [sys.executable, WIDTH_SPEED_TOOL, SLIMMABLE_R50, '--out',
            osp.join(out_dir, 'width_speed.json'), '--channels-last',
            'both']
    if mode == 'cpu':
        return argv + ['--device', 'cpu', '--batch', '2', '--size', '32',
                       '--repeats', '1', '--warmup', '0', '--widths', '1.0',
                       '0.25']
    return argv + ['--device', 'cuda', '--batch', '64', '--size', '224',
                   '--repeats', '3' if mode == 'quick' else '10',
                   '--warmup', '2']


def _width_speed_summary(mode: str, out_dir: str) -> Dict:
    return _read_json(out_dir, 'width_speed.json')


def _joint_command(mode: str, out_dir: str) -> List[str]:
    argv = [sys.executable, JOINT_COST_TOOL, '--out',
            osp.join(out_dir, 'joint.json')]
    if mode == 'cpu':
        return argv + ['--config', JOINT_CONFIG['cpu'], '--image-size', '64',
                       '--batch-size', '1', '--repeats', '1',
                       '--skip-memory']
    # The recipe's images are 1333 x 800; two per GPU keep the step short.
    return argv + ['--config', JOINT_CONFIG['gpu'], '--image-size', '800',
                   '--batch-size', '2', '--repeats',
                   '2' if mode == 'quick' else '3']


def _joint_summary(mode: str, out_dir: str) -> Dict:
    result = _read_json(out_dir, 'joint.json')
    keep = ('config', 'widths', 'image_size', 'batch_size', 'flops_ratio',
            'time_joint', 'time_ratio', 'peak_joint', 'peak_full',
            'memory_ratio')
    summary = {k: result[k] for k in keep if k in result}
    summary['time_per_width_sum'] = sum(result['time_per_width'].values())
    return summary


STEPS = [
    pretrain_step('SlimCLR-MoCov3'),
    Step('cuda_tests', dict(full=120, quick=90, cpu=60), cuda_tests_command,
         cuda_tests_summary),
    pretrain_step('DSPNet'),
    Step('amp', dict(full=75, quick=40, cpu=60),
         lambda mode, out: _self_command('amp', mode, out),
         lambda mode, out: _read_json(out, 'amp.json')),
    Step('width_speed', dict(full=75, quick=40, cpu=60), _width_speed_command,
         _width_speed_summary),
    Step('joint', dict(full=90, quick=60, cpu=60), _joint_command,
         _joint_summary),
    pretrain_step('SlimCLR-MoCov2'),
    pretrain_step('US3L'),
    Step('maskrcnn', dict(full=75, quick=45, cpu=60),
         lambda mode, out: _self_command('maskrcnn', mode, out),
         lambda mode, out: _read_json(out, 'maskrcnn.json')),
]


# ---- in-process steps (run by the child: --run-step) ------------------------
def _device(mode: str):
    import torch
    return torch.device('cpu' if mode == 'cpu' else 'cuda')


def _synchronize(device) -> None:
    import torch
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def build_algorithm(name: str, mode: str):
    """The algorithm's model from its config at ResNet-50 (ResNet-18 on
    CPU; DSPNet keeps its own backbone family), every width sampled."""
    import torch
    from mmengine.logging import MessageHub
    from mmengine.registry import MODELS, init_default_scope

    import slimmm  # noqa: F401  (registries)
    from slimmm.apis import load_config
    init_default_scope('mmpretrain')
    MessageHub.get_current_instance().update_info('max_iters', 10)
    options = {}
    if name != 'DSPNet':
        options['model.backbone.depth'] = 18 if mode == 'cpu' else 50
    if name == 'SlimCLR-MoCov2':  # a queue a small batch divides
        options['model.queue_len'] = 4096
    cfg = load_config(ALGORITHMS[name]['config'], cfg_options=options)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(_device(mode))
    model.set_progress(9, 10)  # the end of training: all sub-networks
    return model.train()


def view_batch(batch: int, size: int, seed: int) -> Dict:
    import torch
    from mmpretrain.structures import DataSample
    generator = torch.Generator().manual_seed(seed)
    views = [torch.randint(0, 256, (batch, 3, size, size),
                           generator=generator, dtype=torch.uint8)
             for _ in range(2)]
    return dict(inputs=views, data_samples=[DataSample()] * batch)


def run_amp(mode: str, out_dir: str) -> None:
    """A few AMP train steps per algorithm and dtype; every logged term
    (each width's InfoNCE / distillation) must stay finite."""
    import torch
    from mmengine.optim import AmpOptimWrapper, OptimWrapper
    device = _device(mode)
    # The CPU mode (a smoke test of the step) leaves DSPNet out: its
    # bfloat16 step takes 19 s on a CPU without bfloat16 units.
    names = {'full': list(ALGORITHMS), 'quick': ['SlimCLR-MoCov3', 'DSPNet'],
             'cpu': ['SlimCLR-MoCov3']}[mode]
    dtypes = ['bfloat16'] if mode == 'cpu' else ['bfloat16', 'float16']
    steps = 1 if mode == 'cpu' else 3
    rows = []
    for name in names:
        model = build_algorithm(name, mode)
        size = 32 if mode == 'cpu' else ALGORITHMS[name]['size']
        batch = 4 if mode == 'cpu' else 32
        for dtype in dtypes:
            optimizer = torch.optim.SGD(model.parameters(), lr=1e-4,
                                        momentum=0.9)
            if device.type == 'cuda':
                wrapper = AmpOptimWrapper(optimizer=optimizer, dtype=dtype,
                                          loss_scale='dynamic')
                context = _no_context
            else:  # mmengine's AmpOptimWrapper refuses a CPU-only torch
                wrapper = OptimWrapper(optimizer)
                context = _cpu_autocast
            row = dict(algorithm=name, dtype=dtype, batch=batch, size=size,
                       skipped_steps=[], nonfinite=[], seconds=[])
            for step in range(steps):
                scale = _loss_scale(wrapper)
                _synchronize(device)
                start = time.perf_counter()
                with context(dtype):
                    log_vars = model.train_step(view_batch(batch, size, step),
                                                wrapper)
                _synchronize(device)
                row['seconds'].append(time.perf_counter() - start)
                # A dynamic loss scale halves itself when it skips a step
                # whose gradients overflowed.
                if _loss_scale(wrapper) < scale:
                    row['skipped_steps'].append(step)
                row['widths'] = sorted(
                    (float(v) for k, v in log_vars.items()
                     if k.startswith('sampled_')), reverse=True)
                row['nonfinite'] += [f'step {step}: {k}'
                                     for k, v in log_vars.items()
                                     if not math.isfinite(float(v))]
            row['loss_scale'] = _loss_scale(wrapper)
            # The first step pays for cuDNN's and the allocator's warm-up.
            row['step_time'] = statistics.median(row['seconds'][1:] or
                                                 row['seconds'])
            rows.append(row)
            print(name, dtype, {k: row[k] for k in ('widths',
                                                    'skipped_steps',
                                                    'nonfinite',
                                                    'step_time')},
                  flush=True)
        del model
        if device.type == 'cuda':
            torch.cuda.empty_cache()
    _write_json(out_dir, 'amp.json', dict(rows=rows))


def _loss_scale(wrapper) -> float:
    scaler = getattr(wrapper, 'loss_scaler', None)
    return float(scaler.get_scale()) if scaler is not None else 1.0


class _no_context:

    def __init__(self, dtype):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _cpu_autocast(dtype: str):
    import torch
    return torch.autocast('cpu', dtype=getattr(torch, dtype))


def detection_batch(num_images: int, height: int, width: int,
                    device, num_classes: int = 80) -> Dict:
    """Synthetic COCO-like detection batch: uint8 images, a few boxes with
    their masks, the meta an mmdet pipeline would give."""
    import numpy as np
    import torch
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData
    generator = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(num_images):
        inputs.append(torch.randint(0, 256, (3, height, width),
                                    generator=generator, dtype=torch.uint8))
        sample = DetDataSample(metainfo=dict(
            img_shape=(height, width), ori_shape=(height, width),
            scale_factor=(1.0, 1.0), flip=False))
        boxes, masks = [], np.zeros((5, height, width), dtype=np.uint8)
        for index in range(5):
            x0 = int(torch.randint(0, width // 2, (1, ), generator=generator))
            y0 = int(torch.randint(0, height // 2, (1, ),
                                   generator=generator))
            x1, y1 = x0 + width // 4, y0 + height // 4
            boxes.append([x0, y0, x1, y1])
            masks[index, y0:y1, x0:x1] = 1
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            labels=torch.randint(0, num_classes, (5, ),
                                 generator=generator),
            masks=BitmapMasks(masks, height, width))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def check_mmcv_ops(device) -> None:
    """Fail at once when mmcv's compiled ops (NMS, RoIAlign) cannot run
    on ``device``: an mmcv built on a machine without the CUDA toolkit has
    CPU kernels only."""
    import torch
    from mmcv.ops import nms
    try:
        nms(torch.zeros(1, 4, device=device), torch.zeros(1, device=device),
            0.5)
    except Exception as error:
        raise RuntimeError(
            f'mmcv.ops cannot run on {device} ({error}). This mmcv was '
            'built without CUDA kernels; rebuild it on a machine with the '
            'CUDA toolkit (MMCV_WITH_OPS=1 FORCE_CUDA=1 pip install '
            '--no-build-isolation mmcv==2.1.0) to run detectors on the '
            'GPU.') from error


def time_detector(cfg, device, mode: str) -> Dict:
    """Build the detector of ``cfg`` (no pretrained weights, SyncBN
    reverted for one process) and time its training iterations."""
    import torch
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.model import revert_sync_batchnorm
    from mmengine.optim import OptimWrapper
    register_all_modules(init_default_scope=True)
    check_mmcv_ops(device)
    torch.backends.cudnn.benchmark = bool(
        cfg.get('env_cfg', {}).get('cudnn_benchmark', False))
    torch.manual_seed(0)
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).to(device)
    model.train()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-4,
                                           momentum=0.9))
    height, width = (96, 128) if mode == 'cpu' else (800, 1333)
    warmup, timed = dict(full=(2, 3), quick=(1, 2), cpu=(0, 1))[mode]
    seconds = []
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    for iteration in range(warmup + timed):
        data = detection_batch(2, height, width, device,
                               cfg.model.roi_head.bbox_head.num_classes)
        _synchronize(device)
        start = time.perf_counter()
        log_vars = model.train_step(data, wrapper)
        _synchronize(device)
        if iteration >= warmup:
            seconds.append(time.perf_counter() - start)
    loss = float(log_vars['loss'].detach())
    result = dict(image=f'{width}x{height}', images=2,
                  step_time=statistics.median(seconds), seconds=seconds,
                  loss=loss, finite=math.isfinite(loss))
    if device.type == 'cuda':
        result['peak_mib'] = torch.cuda.max_memory_allocated(device) / 2**20
    return result


# What the tiny CPU detection configs sample (images with a few objects).
CPU_DETECTOR_OPTIONS = {
    'model.train_cfg.rpn.sampler.num': 64,
    'model.train_cfg.rpn_proposal.nms_pre': 200,
    'model.train_cfg.rpn_proposal.max_per_img': 100,
    'model.train_cfg.rcnn.sampler.num': 32,
}


def run_maskrcnn(mode: str, out_dir: str) -> None:
    import torch

    from slimmm.apis import load_config
    device = _device(mode)
    widths = dict(full=WIDTHS, quick=[1.0, 0.25], cpu=[0.25])[mode]
    rows = []
    for width in widths:
        options = {'model.backbone.width': width,
                   'model.backbone.init_cfg': None}
        if mode == 'cpu':  # fewer proposals and RoIs: seconds on a CPU
            options.update(CPU_DETECTOR_OPTIONS)
        cfg = load_config(MASK_RCNN, cfg_options=options)
        row = dict(width=width, **time_detector(cfg, device, mode))
        rows.append(row)
        print(f'Mask R-CNN width {width}: {row["step_time"]:.3f} s/iter',
              flush=True)
        if device.type == 'cuda':
            torch.cuda.empty_cache()
    _write_json(out_dir, 'maskrcnn.json', dict(rows=rows))


IN_PROCESS = dict(amp=run_amp, maskrcnn=run_maskrcnn)


def _write_json(out_dir: str, name: str, data) -> None:
    with open(osp.join(out_dir, name), 'w') as f:
        json.dump(data, f, indent=2)


# ---- running a step in a child process --------------------------------------
def run_child(argv: List[str], budget: float, log_path: str) -> Dict:
    """Run ``argv`` from the repository root with ``budget`` seconds,
    its output streamed to the console (indented) and to ``log_path``.
    The child gets its own process group, so a timeout also ends the
    processes it started."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [REPO] + [p for p in [os.environ.get('PYTHONPATH')] if p]),
        PYTHONUNBUFFERED='1')
    start = time.perf_counter()
    with open(log_path, 'w') as log:
        log.write(' '.join(argv) + '\n')
        child = subprocess.Popen(argv, cwd=REPO, env=env,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True,
                                 start_new_session=True)

        def stream():
            for line in child.stdout:
                log.write(line)
                print('    | ' + line.rstrip()[:200], flush=True)

        reader = threading.Thread(target=stream, daemon=True)
        reader.start()
        try:
            returncode = child.wait(timeout=budget)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            returncode = child.wait()
            timed_out = True
        reader.join(timeout=10)
    return dict(returncode=returncode, timed_out=timed_out,
                seconds=time.perf_counter() - start)


def run_here(step: str, mode: str, out_dir: str, log_path: str) -> Dict:
    """Run one of :data:`IN_PROCESS` in this process (no time limit), its
    traceback, if any, in the log."""
    import traceback
    start = time.perf_counter()
    returncode = 0
    with open(log_path, 'w') as log:
        try:
            IN_PROCESS[step](mode, out_dir)
        except Exception:
            log.write(traceback.format_exc())
            returncode = 1
    return dict(returncode=returncode, timed_out=False,
                seconds=time.perf_counter() - start)


def run_script_here(argv: List[str], log_path: str) -> Dict:
    """``python SCRIPT ARGS`` (``argv``) in this process (no time limit),
    its output and traceback, if any, in the log."""
    import contextlib
    import runpy
    import traceback
    script = osp.join(REPO, argv[1])
    start = time.perf_counter()
    saved_argv, saved_path = sys.argv, list(sys.path)
    with open(log_path, 'w') as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log):
        print(' '.join(argv), flush=True)
        sys.argv = [script] + argv[2:]
        sys.path.insert(0, osp.dirname(script))
        try:
            runpy.run_path(script, run_name='__main__')
            returncode = 0
        except SystemExit as end:
            returncode = end.code if isinstance(end.code, int) else \
                int(end.code is not None)
        except Exception:
            traceback.print_exc()
            returncode = 1
        finally:
            sys.argv, sys.path[:] = saved_argv, saved_path
    return dict(returncode=returncode, timed_out=False,
                seconds=time.perf_counter() - start)


def _log_tail(path: str, lines: int = 25) -> str:
    with open(path) as f:
        return ''.join(f.readlines()[-lines:])


def run_step(step: Step, mode: str, out_dir: str, budget: float) -> Dict:
    reason = step.not_run()
    if reason:
        return dict(status='skipped', error=reason)
    log_path = osp.join(out_dir, 'logs', step.name.replace(':', '_') + '.log')
    record = dict(budget=round(budget), log=osp.relpath(log_path, out_dir))
    try:
        argv = step.command(mode, out_dir)
        if mode == 'cpu' and '--run-step' in argv:
            # One import of the stack for all of this file's own steps
            # and the benchmark scripts (CI time); on a GPU each step
            # keeps its own process.
            outcome = run_here(argv[argv.index('--run-step') + 1], mode,
                               out_dir, log_path)
        elif mode == 'cpu' and argv[0] == sys.executable and \
                argv[1].endswith('.py'):
            outcome = run_script_here(argv, log_path)
        else:
            outcome = run_child(argv, budget, log_path)
    except Exception as error:  # e.g. the command could not be started
        return dict(record, status='failed', seconds=0.0,
                    error=f'{type(error).__name__}: {error}')
    record['seconds'] = round(outcome['seconds'], 1)
    if outcome['timed_out']:
        return dict(record, status='timeout', error=(
            f'stopped after its budget of {budget:.0f} s\n'
            + _log_tail(log_path)))
    try:
        record['result'] = step.summarise(mode, out_dir)
    except Exception as error:
        if not outcome['returncode']:
            return dict(record, status='failed', error=(
                f'no readable result: {type(error).__name__}: {error}'))
    if outcome['returncode']:
        return dict(record, status='failed', error=(
            f'exit status {outcome["returncode"]}\n' + _log_tail(log_path)))
    return dict(record, status='ok')


# ---- the report -------------------------------------------------------------
def environment(mode: str) -> Dict:
    import torch
    info = dict(date=datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
                mode=mode, python=platform.python_version(),
                torch=torch.__version__, host_cpus=os.cpu_count(),
                command=' '.join(['python'] + sys.argv))
    if mode != 'cpu':
        props = torch.cuda.get_device_properties(0)
        info.update(device=props.name,
                    device_memory_gib=round(props.total_memory / 2**30, 1),
                    cuda=torch.version.cuda,
                    cudnn=torch.backends.cudnn.version(),
                    tf32_conv=torch.backends.cudnn.allow_tf32)
    else:
        info.update(device=f'{_cpu_name()}, {os.cpu_count()} cores')
    return info


def _cpu_name() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'CPU'


def targets(steps: Dict[str, Dict]) -> List[Dict]:
    """The issue's GPU targets against what the steps measured."""
    rows = []

    def add(target, measured, passed):
        rows.append(dict(target=target, measured=measured, passed=passed))

    for name in ALGORITHMS:
        result = steps.get(f'pretrain:{name}', {}).get('result', {})
        if 'sampled_over_plain' in result:
            value = result['sampled_over_plain']
            add(f'{name}: sampled step <= {TIME_TARGET} x plain '
                'sub-networks', f'{value:.3f}', value <= TIME_TARGET)
        if 'mem_ratio' in result and name in PER_WIDTH_BACKWARD:
            value = result['mem_ratio']
            add(f'{name}: per-width-backward peak memory <= '
                f'{MEMORY_TARGET} x full width', f'{value:.3f}',
                value <= MEMORY_TARGET)
    amp = steps.get('amp', {}).get('result', {}).get('rows', [])
    for row in amp:
        bad, skipped = row['nonfinite'], row['skipped_steps']
        widths = ', '.join(f'{w:.3g}' for w in row['widths'])
        # Skipping the first step is how a dynamic loss scale starting at
        # 2^16 finds its level; a later skip is an overflow.
        add(f'{row["algorithm"]} {row["dtype"]}: AMP without NaN/overflow '
            f'at widths {widths}',
            f'{len(bad)} non-finite terms, skipped steps {skipped or "none"}',
            not bad and not [step for step in skipped if step > 0])
    speed = steps.get('width_speed', {}).get('result', {})
    diffs = [r['max_rel_diff'] for result in speed.get('results', [])
             for r in result['rows']]
    if diffs:
        add(f'exported widths equal the slimmable network (fp32, '
            f'relative {EQUAL_TOLERANCE:g})', f'max {max(diffs):.1e}',
            max(diffs) <= EQUAL_TOLERANCE)
    joint = steps.get('joint', {}).get('result', {})
    if 'time_ratio' in joint:
        value = joint['time_ratio']
        add(f'joint detector: iteration <= {JOINT_TIME_TARGET} x the '
            'per-width iterations', f'{value:.3f}',
            value <= JOINT_TIME_TARGET)
    if 'memory_ratio' in joint:
        value = joint['memory_ratio']
        add(f'joint detector: peak memory <= {JOINT_MEMORY_TARGET} x one '
            'full-width iteration', f'{value:.3f}',
            value <= JOINT_MEMORY_TARGET)
    tests = steps.get('cuda_tests', {}).get('result')
    if tests:
        add('CUDA tests pass',
            f'{len(tests["passed"])} passed, {len(tests["failed"])} '
            f'failed, {len(tests["skipped"])} skipped',
            # None (not applicable): every test skipped, i.e. no CUDA.
            None if not tests['passed'] and not tests['failed'] else
            not tests['failed'])
    return rows


def _fmt(value, digits=3, scale=1.0) -> str:
    if value is None:
        return '-'
    return f'{value / scale:.{digits}f}'


def markdown(report: Dict) -> str:
    env = report['environment']
    lines = [
        '# slimmm GPU check', '',
        f'{env["device"]}; torch {env["torch"]}'
        + (f', CUDA {env["cuda"]}, cuDNN {env["cudnn"]}'
           if 'cuda' in env else '')
        + f'; {env["date"]}; mode `{env["mode"]}`.', '',
        f'Command: `{env["command"]}`', '', '## Targets', '',
        '| target | measured | met |', '|---|---|---|'
    ]
    for row in report['targets']:
        met = {True: 'yes', False: '**no**', None: 'n/a'}[row['passed']]
        lines.append(f'| {row["target"]} | {row["measured"]} | {met} |')
    if not report['targets']:
        lines.append('| (no step measured a target yet) | - | - |')
    lines += ['', '## Steps', '', '| step | status | seconds | budget |',
              '|---|---|---|---|']
    for name, step in report['steps'].items():
        lines.append(f'| {name} | {step["status"]} | '
                     f'{step.get("seconds", "-")} | {step.get("budget", "-")}'
                     ' |')
    lines += _pretrain_section(report['steps'])
    lines += _amp_section(report['steps'])
    lines += _speed_section(report['steps'])
    lines += _detector_section(report['steps'])
    problems = [(n, s) for n, s in report['steps'].items()
                if s['status'] not in ('ok', 'pending')]
    if problems:
        lines += ['', '## Failed, timed-out and skipped steps']
        for name, step in problems:
            lines += ['', f'### {name}: {step["status"]}', '', '```',
                      step.get('error', '').rstrip(), '```']
    return '\n'.join(lines) + '\n'


def _pretrain_section(steps: Dict) -> List[str]:
    rows = [(name, steps[f'pretrain:{name}']['result'])
            for name in ALGORITHMS
            if 'result' in steps.get(f'pretrain:{name}', {})]
    if not rows:
        return []
    lines = ['', '## Pretraining step (benchmark_pretrain.py)', '',
             '| algorithm | px | batch | sampled widths | full (s) '
             '| sampled (s) | time ratio | FLOPs limit | plain ratio '
             '| sampled / plain | peak full (MiB) | peak sampled (MiB) '
             '| memory ratio |', '|---|---|---|---|---|---|---|---|---|---|'
             '---|---|---|']
    for name, r in rows:
        lines.append(
            f'| {name} | {r.get("image_size")} | {r.get("batch")} | '
            f'{", ".join(f"{w:.3g}" for w in r.get("widths", []))} | '
            f'{_fmt(r.get("time_full"))} | {_fmt(r.get("time_sampled"))} | '
            f'{_fmt(r.get("time_ratio"), 2)} | {_fmt(r.get("limit"), 2)} | '
            f'{_fmt(r.get("plain_ratio"), 2)} | '
            f'{_fmt(r.get("sampled_over_plain"), 3)} | '
            f'{_fmt(r.get("mem_full"), 0, 2**20)} | '
            f'{_fmt(r.get("mem_sampled"), 0, 2**20)} | '
            f'{_fmt(r.get("mem_ratio"), 3)} |')
    return lines


def _amp_section(steps: Dict) -> List[str]:
    rows = steps.get('amp', {}).get('result', {}).get('rows', [])
    if not rows:
        return []
    lines = ['', '## AMP train steps', '',
             '| algorithm | dtype | batch x px | widths | step (s) '
             '| skipped steps (0 = first) | final loss scale '
             '| non-finite terms |',
             '|---|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(
            f'| {r["algorithm"]} | {r["dtype"]} | {r["batch"]} x '
            f'{r["size"]} | {", ".join(f"{w:g}" for w in r["widths"])} | '
            f'{r["step_time"]:.3f} | '
            f'{", ".join(map(str, r["skipped_steps"])) or "none"} | '
            f'{r["loss_scale"]:g} |'
            f' {"; ".join(r["nonfinite"][:3]) or "none"} |')
    return lines


def _speed_section(steps: Dict) -> List[str]:
    result = steps.get('width_speed', {}).get('result')
    if not result:
        return []
    lines = ['', '## Slimmable vs exported plain network '
             f'(benchmark_width_speed.py, batch {result["batch"]}, '
             f'{result["size"]} px)', '',
             '| layout | width | fwd slimmable (ms) | fwd plain (ms) '
             '| fwd ratio | fwd+bwd slimmable (ms) | fwd+bwd plain (ms) '
             '| fwd+bwd ratio | max rel. output diff |',
             '|---|---|---|---|---|---|---|---|---|']
    for part in result['results']:
        layout = 'channels_last' if part['channels_last'] else 'NCHW'
        for r in part['rows']:
            cells = []
            for key in ('fwd', 'fwd_bwd'):
                t = r.get(key)
                cells += ['-'] * 3 if t is None else [
                    _fmt(t['slimmable'] * 1e3, 2), _fmt(t['plain'] * 1e3, 2),
                    _fmt(t['ratio'], 3)]
            lines.append(f'| {layout} | {r["width"]} | {" | ".join(cells)} '
                         f'| {r["max_rel_diff"]:.1e} |')
    return lines


def _detector_section(steps: Dict) -> List[str]:
    lines = []
    rows = steps.get('maskrcnn', {}).get('result', {}).get('rows', [])
    if rows:
        lines += ['', '## Mask R-CNN R-50-FPN: one training iteration', '',
                  '| width | image | s/iter | peak (MiB) | loss finite |',
                  '|---|---|---|---|---|']
        for r in rows:
            lines.append(f'| {r["width"]} | {r["images"]} x {r["image"]} | '
                         f'{r["step_time"]:.3f} | '
                         f'{_fmt(r.get("peak_mib"), 0)} | '
                         f'{"yes" if r["finite"] else "**no**"} |')
    joint = steps.get('joint', {}).get('result')
    if joint:
        lines += ['', '## Joint slimmable detector: one joint iteration '
                  'against the per-width iterations', '',
                  f'`{joint["config"]}`, batch {joint["batch_size"]}, '
                  f'{joint["image_size"]} x {joint["image_size"]} px, widths '
                  f'{", ".join(f"{w:g}" for w in joint["widths"])}.', '',
                  '| FLOPs ratio | s joint | s per-width sum | time ratio | '
                  'peak MiB joint | peak MiB full width | memory ratio |',
                  '|---|---|---|---|---|---|---|',
                  f'| {_fmt(joint["flops_ratio"])} | '
                  f'{_fmt(joint["time_joint"])} | '
                  f'{_fmt(joint["time_per_width_sum"])} | '
                  f'{_fmt(joint["time_ratio"])} | '
                  f'{_fmt(joint.get("peak_joint"), 0, 2**20)} | '
                  f'{_fmt(joint.get("peak_full"), 0, 2**20)} | '
                  f'{_fmt(joint.get("memory_ratio"))} |']
    return lines


def write_report(out_dir: str, report: Dict) -> None:
    report['targets'] = targets(report['steps'])
    _write_json(out_dir, 'gpu_check.json', report)
    with open(osp.join(out_dir, 'gpu_check.md'), 'w') as f:
        f.write(markdown(report))


# ---- main -------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='GPU readiness check of slimmm (report in --out)')
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--quick', action='store_true',
                       help='the most important steps, fits in 3 minutes')
    group.add_argument('--cpu', action='store_true',
                       help='every step on the CPU at tiny sizes (CI)')
    parser.add_argument('--out', help='report folder (default: $OUT, else '
                        'work_dirs/gpu_check)')
    parser.add_argument('--steps', nargs='+', metavar='NAME',
                        help='run only these steps (names: ' +
                        ', '.join(s.name for s in STEPS) + ')')
    parser.add_argument('--minutes', type=float,
                        help='wall-clock limit of the whole check (default:'
                        ' 8, --quick 3, --cpu 5)')
    # internal: one of this file's own steps in a child process
    parser.add_argument('--run-step', choices=sorted(IN_PROCESS),
                        help=argparse.SUPPRESS)
    parser.add_argument('--mode', choices=MODES, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def check_args(args, out_dir: str) -> List[Step]:
    """Fail before any compute: no GPU without --cpu, unknown steps, an
    existing report."""
    names = [s.name for s in STEPS]
    unknown = [n for n in args.steps or [] if n not in names]
    if unknown:
        raise SystemExit(f'Unknown step(s) {unknown}; choose from {names}.')
    if not args.cpu:
        import torch
        if not torch.cuda.is_available():
            raise SystemExit('torch sees no CUDA device here; run on a GPU '
                             'machine, or pass --cpu for the CPU mode.')
    missing = [name for name in REQUIRED_MODULES
               if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(f'Not installed: {missing}; run bash '
                         'tools/setup_env.sh first.')
    for name in ('gpu_check.md', 'gpu_check.json'):
        if osp.exists(osp.join(out_dir, name)):
            raise SystemExit(
                f'{osp.join(out_dir, name)} exists; pass --out NEW_FOLDER '
                '(or set $OUT) so that no report is overwritten.')
    return [s for s in STEPS if args.steps is None or s.name in args.steps]


def main(argv=None):
    args = parse_args(argv)
    if args.run_step:
        IN_PROCESS[args.run_step](args.mode, args.out)
        return
    mode = 'cpu' if args.cpu else 'quick' if args.quick else 'full'
    out_dir = osp.abspath(args.out or os.environ.get('OUT') or
                          osp.join(REPO, 'work_dirs', 'gpu_check'))
    steps = check_args(args, out_dir)
    steps = [s for s in steps if mode in s.budgets]
    os.makedirs(osp.join(out_dir, 'logs'), exist_ok=True)
    total = args.minutes * 60 if args.minutes else TOTAL_BUDGET[mode]
    deadline = time.perf_counter() + total
    report = dict(environment=environment(mode),
                  steps={s.name: dict(status='pending') for s in steps})
    write_report(out_dir, report)
    print(f'[gpu_check] {mode} mode, {len(steps)} steps, limit {total:.0f} s,'
          f' report in {out_dir}', flush=True)
    for index, step in enumerate(steps, 1):
        left = deadline - time.perf_counter()
        budget = min(step.budgets[mode], left)
        if budget < MIN_STEP_SECONDS:
            report['steps'][step.name] = dict(
                status='skipped', error=f'{left:.0f} s left of the {total:.0f}'
                ' s limit: not started.')
        else:
            print(f'[gpu_check] {index}/{len(steps)} {step.name} (budget '
                  f'{budget:.0f} s, {left:.0f} s left)', flush=True)
            report['steps'][step.name] = run_step(step, mode, out_dir,
                                                  budget)
        record = report['steps'][step.name]
        print(f'[gpu_check] {step.name}: {record["status"]}'
              + (f' in {record["seconds"]} s' if 'seconds' in record else ''),
              flush=True)
        write_report(out_dir, report)
    print(f'[gpu_check] report: {osp.join(out_dir, "gpu_check.md")}')
    print(markdown(report).split('## Steps')[0], flush=True)


if __name__ == '__main__':
    main()
