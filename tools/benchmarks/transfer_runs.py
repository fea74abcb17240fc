"""Launching per-width fine-tuning runs as processes (``tools/train.py``,
``tools/dist_train.sh``, ``tools/slurm_train.sh``), for the transfer runner
(``transfer.py``) and the main job (``main_job.py``) beside this file.

:func:`run_transfer` checks all inputs first (checkpoint, widths, data),
then trains and evaluates each width in its own work dir
(``<work_dir>/width_<w>/``). A width whose ``result.json`` exists is
skipped, so a rerun resumes; an interrupted width resumes from its last
checkpoint. The end is ``transfer_results.{md,csv,png}``
(:func:`slimmm.apis.transfer.write_transfer_report`).

``jobs`` (:func:`set_jobs`, ``--jobs``): how many launched runs share one
machine at a time. On a CPU, small runs use a second thread poorly (a tiny
Mask R-CNN iteration takes 0.32 s on one thread and 0.34 s on two, with
mmcv's RoIAlign single-threaded), so two one-thread runs side by side
finish about twice as fast as two two-thread runs in a row.
"""
import csv
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.config import Config
from mmengine.logging import print_log

from slimmm.apis.config import load_config
from slimmm.apis.transfer import (joint_rows, metrics_row, read_eval_metrics,
                                  width_configs, width_dir_name,
                                  write_transfer_report)
from slimmm.apis.transfer_checks import check_transfer_inputs
from slimmm.datasets import check_datasets, redirect_data_root
from slimmm.utils.checkpoint import latest_checkpoint, write_atomically

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO = osp.dirname(TOOLS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# ---- launching ----------------------------------------------------------
#: Launched runs allowed at once (:func:`set_jobs`) and the slots they take.
_jobs = 1
_slots = threading.BoundedSemaphore(1)
#: Held by a task of :func:`run_parallel` while it works in this process
#: (loading configs, checking data, building models: mmengine's config
#: loader and the registries are not thread-safe), released while it waits
#: for a launched run or for tasks of its own.
_in_process = threading.Lock()
_holder = threading.local()


@contextmanager
def _released():
    """Let the other tasks work in this process while this one waits."""
    held = getattr(_holder, 'held', False)
    if held:
        _holder.held = False
        _in_process.release()
    try:
        yield
    finally:
        if held:
            _in_process.acquire()
            _holder.held = True


def _one_at_a_time(task: Callable) -> Callable:
    def run():
        with _in_process:
            _holder.held = True
            try:
                return task()
            finally:
                _holder.held = False
    return run


def set_jobs(jobs: int) -> None:
    """Let up to ``jobs`` launched runs share the machine at once (every
    :func:`_run`, from any thread, takes one of ``jobs`` slots), each with
    ``cpu_count // jobs`` torch threads unless ``OMP_NUM_THREADS`` is set.
    """
    global _jobs, _slots
    if jobs < 1:
        raise ValueError(f'jobs must be at least 1, got {jobs}.')
    _jobs, _slots = jobs, threading.BoundedSemaphore(jobs)


def run_parallel(tasks: Sequence) -> List:
    """Call ``tasks`` (functions without arguments): one after another, or
    with :func:`set_jobs` above 1 each in a thread of its own, their
    launched runs then sharing the ``jobs`` slots. Only one task at a time
    works in this process (:data:`_in_process`); the others wait for their
    runs meanwhile. Returns their results in order; the first error is
    raised once all have ended."""
    tasks = list(tasks)
    if _jobs == 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    with _released(), ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        futures = [pool.submit(_one_at_a_time(task)) for task in tasks]
    return [future.result() for future in futures]


def _env(threads: Optional[int] = None) -> Dict[str, str]:
    """The environment of a launched run: the checkout on ``PYTHONPATH``
    and, when runs share the machine (or ``threads`` is given), the torch
    threads of each in ``OMP_NUM_THREADS`` (a value the user set wins)."""
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + (
        os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    if threads is None and _jobs > 1:
        threads = max(1, (os.cpu_count() or 1) // _jobs)
    if threads is not None and 'OMP_NUM_THREADS' not in os.environ:
        env['OMP_NUM_THREADS'] = str(threads)
    return env


def train_command(config_file: str, work_dir: str, launcher: str, gpus: int,
                  resume: bool, partition: Optional[str] = None,
                  job_name: str = 'transfer') -> List[str]:
    extra = ['--resume'] if resume else []
    if launcher == 'none':
        return [sys.executable, osp.join(TOOLS, 'train.py'), config_file,
                '--work-dir', work_dir] + extra
    if launcher == 'pytorch':
        return ['bash', osp.join(TOOLS, 'dist_train.sh'), config_file,
                str(gpus), '--work-dir', work_dir] + extra
    if launcher == 'slurm':
        if not partition:
            raise ValueError('launcher slurm needs --partition.')
        return ['bash', osp.join(TOOLS, 'slurm_train.sh'), partition,
                job_name, config_file, work_dir] + extra
    raise ValueError(f'Unknown launcher {launcher!r}; use none, pytorch or '
                     'slurm.')


def test_command(config_file: str, checkpoint: str, work_dir: str,
                 launcher: str, gpus: int) -> List[str]:
    if launcher == 'pytorch':
        return ['bash', osp.join(TOOLS, 'dist_test.sh'), config_file,
                checkpoint, str(gpus), '--work-dir', work_dir]
    return [sys.executable, osp.join(TOOLS, 'test.py'), config_file,
            checkpoint, '--work-dir', work_dir]


def _run(cmd: List[str], work_dir: str, env: Dict[str, str]) -> None:
    log = osp.join(work_dir, 'launch.log')
    with open(log, 'a') as f:
        f.write(f'\n$ {" ".join(cmd)}\n')
        f.flush()
        with _released(), _slots:
            code = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT,
                                   env=env, cwd=os.getcwd())
    if code != 0:
        with open(log) as f:
            tail = ''.join(f.readlines()[-25:])
        raise RuntimeError(
            f'Command failed with exit code {code}: {" ".join(cmd)}\n'
            f'Full log: {log}\n--- last lines ---\n{tail}')


def _write_json(path: str, content: Dict) -> None:
    write_atomically(json.dumps(content, indent=2).encode(), path)


# ---- the benchmark ------------------------------------------------------
def run_one_width(cfg: Config, width: Optional[float], work_dir: str,
                  launcher: str, gpus: int, partition: Optional[str] = None,
                  port: Optional[int] = None) -> Dict:
    """Fine-tune and evaluate one width (None: the joint detector, all
    widths) in ``work_dir``; returns the metrics of its last evaluation."""
    os.makedirs(work_dir, exist_ok=True)
    stem = osp.splitext(osp.basename(cfg.filename or 'config.py'))[0]
    label = 'joint' if width is None else width_dir_name(width)
    config_file = osp.join(work_dir, f'{stem}_{label}.py')
    cfg.dump(config_file)
    env = _env()
    if launcher == 'pytorch':
        env['PORT'] = str(port or free_port())
    resume = latest_checkpoint(work_dir) is not None
    _run(train_command(config_file, work_dir, launcher, gpus, resume,
                       partition, job_name=f'{stem}_{label}'),
         work_dir, env)
    metrics = read_eval_metrics(work_dir)
    if metrics is None:
        # e.g. resumed after training had finished but before its result
        # was recorded: evaluate the final checkpoint.
        checkpoint = latest_checkpoint(work_dir)
        if checkpoint is None:
            raise RuntimeError(f'No checkpoint in {work_dir} after training.')
        if launcher == 'pytorch':
            env['PORT'] = str(free_port())
        _run(test_command(config_file, checkpoint, work_dir, launcher, gpus),
             work_dir, env)
        metrics = read_eval_metrics(work_dir)
    if metrics is None:
        raise RuntimeError(f'No evaluation metrics found under {work_dir}.')
    return metrics


#: The transfer protocols of :func:`run_transfer`.
PROTOCOLS = ('per-width', 'joint')


def run_transfer(config: str, checkpoint: Optional[str],
                 widths: Optional[Sequence[float]] = None,
                 work_dir: Optional[str] = None,
                 protocol: str = 'per-width',
                 launcher: str = 'none', gpus: int = 1,
                 cfg_options: Optional[Dict] = None,
                 data_root: Optional[str] = None,
                 partition: Optional[str] = None,
                 port: Optional[int] = None,
                 complexity_input_size: int = 224,
                 report_name: str = 'transfer_results') -> List[Dict]:
    """Fine-tune ``config`` at every width and write the per-width report
    (``<report_name>.{md,csv,png}`` in ``work_dir``).

    Args:
        config (str): A detection or segmentation config with a slimmm
            backbone (e.g.
            ``configs/benchmarks/mmdetection/mask-rcnn_slimmable-r50_fpn_syncbn_1x_coco.py``,
            ``configs/benchmarks/mmsegmentation/upernet_slimmable-r50_4xb4-160k_ade20k-512x512.py``;
            a ``*_joint*`` detection config for ``protocol='joint'``).
        checkpoint (str): The slimmable pretrained checkpoint (whole model;
            the backbone under ``backbone.``); None: random initialisation.
        widths (Sequence[float], optional): Widths to transfer, each one
            of the checkpoint's (``'per-width'``). The joint protocol
            evaluates its config's ``eval_widths`` instead.
        work_dir (str, optional): Defaults to
            ``work_dirs/transfer/<config name>``.
        protocol (str): ``'per-width'``: one fine-tuning per width, each
            in ``<work_dir>/width_<w>/``, side by side with
            :func:`set_jobs`; ``'joint'`` (SlimCLR Table 2): ONE detector
            fine-tuned at all its widths together in ``work_dir``, then
            evaluated at each width.
        launcher (str): ``'none'`` (one process), ``'pytorch'``
            (``tools/dist_train.sh`` with ``gpus`` processes) or
            ``'slurm'`` (``tools/slurm_train.sh``; GPUS env var).
        gpus (int): Processes per width with ``launcher='pytorch'``.
        cfg_options (dict, optional): Config overrides for every width.
        data_root (str, optional): Redirect every dataset / evaluator.
        partition (str, optional): Slurm partition.
        port (int, optional): Rendezvous port for ``pytorch`` (default:
            a free one per width).
        complexity_input_size (int): Input side at which backbone FLOPs
            are counted (224: the papers' ImageNet convention).
        report_name (str): Stem of the report files.

    Returns:
        list[dict]: One row per width (``width``, ``params``, ``flops``,
        ``model_M_params``, ``model_GFLOPs``, ``AP_bb``, ``AP_mk``, ... or
        ``mAP`` / ``AP50`` for VOC, ``mIoU`` / ``mAcc`` / ``aAcc`` for
        segmentation; ``protocol``).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol must be one of {PROTOCOLS}, got '
                         f'{protocol!r}.')
    run = _joint if protocol == 'joint' else _per_width
    rows, work_dir, title = run(
        config, checkpoint, widths, work_dir, launcher, gpus, cfg_options,
        data_root, partition, port, complexity_input_size)
    write_transfer_report(rows, work_dir, report_name, title=title)
    return rows


def _work_dir(config: str, work_dir: Optional[str]) -> str:
    if work_dir is None:
        work_dir = osp.join('work_dirs', 'transfer',
                            osp.splitext(osp.basename(config))[0])
    os.makedirs(work_dir, exist_ok=True)
    return work_dir


def _per_width(config, checkpoint, widths, work_dir, launcher, gpus,
               cfg_options, data_root, partition, port,
               complexity_input_size):
    """One fine-tuning per width; returns (rows, work dir, title)."""
    if not widths:
        raise ValueError('Give at least one width (--widths 1.0 0.5 ...).')
    cfgs = width_configs(config, checkpoint, widths, cfg_options, data_root)
    from slimmm.models.detectors import is_joint_config
    if is_joint_config(cfgs[0].model):
        from slimmm.apis.transfer_checks import TransferInputError
        raise TransferInputError(
            f'{config} is a joint detector config (one detector trained at '
            'all widths); run it with --protocol joint, or pick a per-width '
            'config for --protocol per-width.')
    check_transfer_inputs(cfgs, checkpoint)
    work_dir = _work_dir(config, work_dir)

    from slimmm.analysis import (backbone_complexity, eval_input_shape,
                                 model_complexity)
    total = len(widths)

    def one_width(index: int, width: float, cfg: Config) -> Dict:
        wd = osp.join(work_dir, width_dir_name(width))
        result_file = osp.join(wd, 'result.json')
        if osp.isfile(result_file):
            print_log(f'width {index}/{total} ({width}): finished earlier '
                      f'({result_file}), skipped.', logger='current')
            with open(result_file) as f:
                return json.load(f)['row']
        print_log(f'width {index}/{total} ({width}): fine-tuning in {wd} '
                  f'(launcher {launcher}) ...', logger='current')
        start = time.time()
        metrics = run_one_width(cfg, width, wd, launcher, gpus, partition,
                                port)
        row = metrics_row(width, metrics)
        cost = backbone_complexity(
            dict(cfg.model.backbone, init_cfg=None), [width],
            input_size=complexity_input_size)[0]
        row['params'], row['flops'] = cost['params'], cost['flops']
        # The whole detector / segmentor at the config's test size: its
        # full-width neck and heads are what the backbone's cost hides at
        # narrow widths.
        row.update(model_complexity(cfg.model, eval_input_shape(cfg),
                                    scope=cfg.get('default_scope', 'mmdet')))
        row['protocol'] = 'per-width'
        _write_json(result_file, dict(
            width=float(width), row=row, metrics=metrics,
            checkpoint=checkpoint, config=config,
            seconds=round(time.time() - start, 1)))
        print_log(f'width {index}/{total} ({width}): done in '
                  f'{time.time() - start:.0f}s: ' + ', '.join(
                      f'{k}={v}' for k, v in row.items()
                      if k not in ('width', 'params', 'flops')),
                  logger='current')
        return row

    rows = run_parallel([
        partial(one_width, index, width, cfg)
        for index, (width, cfg) in enumerate(zip(widths, cfgs), start=1)])
    return rows, work_dir, osp.basename(config)


def _joint(config, checkpoint, widths, work_dir, launcher, gpus,
           cfg_options, data_root, partition, port, complexity_input_size):
    """SlimCLR's joint protocol (Table 2): ONE joint slimmable detector
    (``model.type='slimmm.JointMaskRCNN'``, e.g.
    ``configs/benchmarks/mmdetection/mask-rcnn_slimmable-r50_fpn_joint-4widths_8xb8-1x_coco.py``)
    fine-tuned at all widths together in ``work_dir`` (resumed from its
    last checkpoint; a ``result.json`` there means done and is read
    back), then evaluated at each width; returns (rows, work dir, title).
    """
    from slimmm.apis.transfer_checks import (TransferInputError,
                                             check_checkpoint)
    from slimmm.models.detectors import build_joint_detector, is_joint_config
    options = dict(cfg_options or {})
    if checkpoint is not None:
        options['model.backbone.init_cfg.checkpoint'] = checkpoint
    cfg = load_config(config, options)
    if not is_joint_config(cfg.model):
        raise TransferInputError(
            f'--protocol joint needs a joint detector config '
            f"(model.type='slimmm.JointMaskRCNN', 'slimmm.JointRetinaNet', "
            f'...); {config} builds {cfg.model.get("type")!r}. Use a '
            '*_joint* config, or --protocol per-width for this one.')
    if data_root is not None:
        redirect_data_root(cfg, data_root)
    detector = build_joint_detector(cfg.model)
    widths = detector.eval_widths
    check_checkpoint(checkpoint, dict(cfg.model.backbone), widths)
    check_datasets(cfg)
    work_dir = _work_dir(config, work_dir)
    result_file = osp.join(work_dir, 'result.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            rows = json.load(f)['rows']
        print_log(f'joint protocol: finished earlier ({result_file}).',
                  logger='current')
    else:
        print_log(f'joint protocol: fine-tuning widths {widths} together in '
                  f'{work_dir} (launcher {launcher}) ...', logger='current')
        start = time.time()
        metrics = run_one_width(cfg, None, work_dir, launcher, gpus,
                                partition, port)
        rows = joint_rows(metrics, widths, dict(cfg.model.backbone),
                          complexity_input_size)
        # Each width's whole detector: the stock one it exports to.
        from slimmm.analysis import eval_input_shape, model_complexity
        for row in rows:
            row.update(model_complexity(detector.plain_config(row['width']),
                                        eval_input_shape(cfg)))
        _write_json(result_file, dict(
            rows=rows, metrics=metrics, checkpoint=checkpoint,
            config=config, seconds=round(time.time() - start, 1)))
    return rows, work_dir, osp.basename(config) + ' (joint)'


def config_path(path: str) -> str:
    """A config of this checkout: relative paths are read from the
    repository root; a missing file stops with one line."""
    full = path if osp.isabs(path) else osp.join(REPO, path)
    if not osp.isfile(full):
        raise FileNotFoundError(
            f'Config {path!r} is missing from this checkout ({full}).')
    return full


def train_once(config: str, work_dir: str,
               cfg_options: Sequence[str] = (),
               threads: Optional[int] = None) -> str:
    """``tools/train.py`` in ``work_dir`` unless a ``done.json`` says it
    finished; resumes an interrupted run (with ``threads`` torch threads,
    default: :func:`transfer_runs._env`'s). Returns the final
    checkpoint."""
    done = osp.join(work_dir, 'done.json')
    if osp.isfile(done):
        with open(done) as f:
            return json.load(f)['checkpoint']
    os.makedirs(work_dir, exist_ok=True)
    cmd = train_command(config_path(config), work_dir, launcher='none',
                        gpus=1,
                        resume=latest_checkpoint(work_dir) is not None)
    if cfg_options:
        cmd += ['--cfg-options', *cfg_options]
    _run(cmd, work_dir, _env(threads))
    checkpoint = latest_checkpoint(work_dir)
    if checkpoint is None:
        raise RuntimeError(f'Training in {work_dir} wrote no checkpoint.')
    _write_json(done, dict(checkpoint=checkpoint, config=config))
    return checkpoint


def read_probe_rows(work_dir: str) -> List[Dict]:
    """Per-width rows of the probe's last report
    (``<work_dir>/<timestamp>/<name>_{test,val}.csv``, written by
    ``slimmm.WidthReportHook``)."""
    files = sorted(glob.glob(osp.join(work_dir, '*', '*_test.csv')) +
                   glob.glob(osp.join(work_dir, '*', '*_val.csv')),
                   key=lambda p: (osp.basename(osp.dirname(p)),
                                  p.endswith('_test.csv')))
    if not files:
        raise RuntimeError(
            f'No per-width report (*_val.csv / *_test.csv) under {work_dir}; '
            'the probe config needs slimmm.WidthReportHook.')
    with open(files[-1]) as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        parsed = {}
        for key, value in row.items():
            try:
                parsed[key] = float(value)
            except (TypeError, ValueError):
                parsed[key] = value
        out.append(parsed)
    return out
