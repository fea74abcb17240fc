"""Detection / instance segmentation transfer of a slimmable checkpoint,
one fine-tuning per width, and one table at the end.

The papers transfer every width of one pretrained slimmable network
(SlimCLR Table 2 and US3L Table 5: Mask R-CNN R-50-FPN 1x on COCO; DSPNet
Fig. 6: Mask R-CNN FPN 2x; US3L Fig. 3/4: Faster R-CNN FPN on VOC 07+12).
Each width is an ordinary mmdet run of the same config with
``model.backbone.width=w``: the backbone is cut to that width out of the
slimmable checkpoint and everything (BN included) is fine-tuned.

:func:`run_transfer` checks all inputs first (checkpoint, widths, data),
then trains and evaluates each width in its own work dir
(``<work_dir>/width_<w>/``), through ``tools/train.py`` (one process),
``tools/dist_train.sh`` (``launcher='pytorch'``) or ``tools/slurm_train.sh``.
A width whose ``result.json`` exists is skipped, so a rerun resumes; an
interrupted width resumes from its last checkpoint. The end is
``transfer_results.{md,csv,png}``: AP against params and FLOPs per width.
"""
import glob
import json
import math
import os
import os.path as osp
import socket
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config
from mmengine.logging import print_log

from .config import load_config
from .transfer_checks import check_transfer_inputs, redirect_data_root

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO_ROOT, 'tools')

#: mmdet metric key -> report column (values x100, as the papers' tables).
METRIC_COLUMNS = {
    'coco/bbox_mAP': 'AP_bb',
    'coco/bbox_mAP_50': 'AP50_bb',
    'coco/segm_mAP': 'AP_mk',
    'coco/segm_mAP_50': 'AP50_mk',
    'pascal_voc/mAP': 'mAP',
    'pascal_voc/AP50': 'AP50',
}


def width_dir_name(width: float) -> str:
    return 'width_' + f'{float(width):g}'.replace('.', '_')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def width_configs(config: str, checkpoint: Optional[str],
                  widths: Sequence[float],
                  cfg_options: Optional[Dict] = None,
                  data_root: Optional[str] = None) -> List[Config]:
    """The config of each width: ``model.backbone.width`` and the
    checkpoint set (the detector derives the neck's ``in_channels``)."""
    cfgs = []
    for width in widths:
        options = dict(cfg_options or {})
        options['model.backbone.width'] = float(width)
        if checkpoint is not None:
            options['model.backbone.init_cfg.checkpoint'] = checkpoint
        cfg = load_config(config, options)
        if data_root is not None:
            redirect_data_root(cfg, data_root)
        cfgs.append(cfg)
    return cfgs


# ---- reading results ----------------------------------------------------
def _json_lines(path: str) -> List[Dict]:
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    return rows


def read_eval_metrics(work_dir: str) -> Optional[Dict[str, float]]:
    """The last evaluation (val at the end of training, or a test) logged
    under ``work_dir`` by mmengine (``<timestamp>/vis_data/*.json`` for val,
    ``<timestamp>/<timestamp>.json`` for test)."""
    files = glob.glob(osp.join(work_dir, '*', 'vis_data', '*.json')) + \
        glob.glob(osp.join(work_dir, '*', '*.json'))
    found = None
    # Timestamps sort chronologically; later runs win.
    for path in sorted(files, key=lambda p: (osp.basename(
            osp.dirname(p.replace('/vis_data', ''))), p)):
        for row in _json_lines(path):
            if any(key in row for key in METRIC_COLUMNS):
                found = row
    return found


def _last_checkpoint(work_dir: str) -> Optional[str]:
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def metrics_row(width: float, metrics: Dict[str, float]) -> Dict:
    row = {'width': float(width)}
    for key, column in METRIC_COLUMNS.items():
        if key in metrics:
            value = float(metrics[key])
            # mmdet logs AP in [0, 1]; the papers' tables use percent.
            row[column] = round(100 * value, 2) if not math.isnan(
                value) else value
    return row


# ---- launching ----------------------------------------------------------
def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO_ROOT + (
        os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
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
        code = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT,
                               env=env, cwd=os.getcwd())
    if code != 0:
        with open(log) as f:
            tail = ''.join(f.readlines()[-25:])
        raise RuntimeError(
            f'Command failed with exit code {code}: {" ".join(cmd)}\n'
            f'Full log: {log}\n--- last lines ---\n{tail}')


def _write_json(path: str, content: Dict) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(content, f, indent=2)
    os.replace(tmp, path)


# ---- the benchmark ------------------------------------------------------
def run_one_width(cfg: Config, width: float, work_dir: str, launcher: str,
                  gpus: int, partition: Optional[str] = None,
                  port: Optional[int] = None) -> Dict:
    """Fine-tune and evaluate one width in ``work_dir``; returns the
    metrics of its last evaluation."""
    os.makedirs(work_dir, exist_ok=True)
    stem = osp.splitext(osp.basename(cfg.filename or 'config.py'))[0]
    config_file = osp.join(work_dir, f'{stem}_{width_dir_name(width)}.py')
    cfg.dump(config_file)
    env = _env()
    if launcher == 'pytorch':
        env['PORT'] = str(port or free_port())
    resume = _last_checkpoint(work_dir) is not None
    _run(train_command(config_file, work_dir, launcher, gpus, resume,
                       partition, job_name=f'{stem}_{width_dir_name(width)}'),
         work_dir, env)
    metrics = read_eval_metrics(work_dir)
    if metrics is None:
        # e.g. resumed after training had finished but before its result
        # was recorded: evaluate the final checkpoint.
        checkpoint = _last_checkpoint(work_dir)
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


def run_transfer(config: str, checkpoint: Optional[str],
                 widths: Sequence[float], work_dir: Optional[str] = None,
                 launcher: str = 'none', gpus: int = 1,
                 cfg_options: Optional[Dict] = None,
                 data_root: Optional[str] = None,
                 partition: Optional[str] = None,
                 port: Optional[int] = None,
                 complexity_input_size: int = 224,
                 report_name: str = 'transfer_results') -> List[Dict]:
    """Fine-tune ``config`` at each width and write the per-width report.

    Args:
        config (str): A detection config with a slimmm backbone (e.g.
            ``configs/benchmarks/mmdetection/mask-rcnn_slimmable-r50_fpn_syncbn_1x_coco.py``).
        checkpoint (str): The slimmable pretrained checkpoint (whole model;
            the backbone under ``backbone.``).
        widths (Sequence[float]): Widths to transfer, each one of the
            checkpoint's.
        work_dir (str, optional): Defaults to
            ``work_dirs/transfer/<config name>``.
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
        ``AP_bb``, ``AP_mk``, ... or ``mAP`` / ``AP50`` for VOC).
    """
    if not widths:
        raise ValueError('Give at least one width (--widths 1.0 0.5 ...).')
    cfgs = width_configs(config, checkpoint, widths, cfg_options, data_root)
    check_transfer_inputs(cfgs, checkpoint)
    if work_dir is None:
        work_dir = osp.join('work_dirs', 'transfer',
                            osp.splitext(osp.basename(config))[0])
    os.makedirs(work_dir, exist_ok=True)

    from slimmm.analysis import backbone_complexity
    rows = []
    total = len(widths)
    for index, (width, cfg) in enumerate(zip(widths, cfgs), start=1):
        wd = osp.join(work_dir, width_dir_name(width))
        result_file = osp.join(wd, 'result.json')
        if osp.isfile(result_file):
            with open(result_file) as f:
                rows.append(json.load(f)['row'])
            print_log(f'width {index}/{total} ({width}): finished earlier '
                      f'({result_file}), skipped.', logger='current')
            continue
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
        _write_json(result_file, dict(
            width=float(width), row=row, metrics=metrics,
            checkpoint=checkpoint, config=config,
            seconds=round(time.time() - start, 1)))
        rows.append(row)
        print_log(f'width {index}/{total} ({width}): done in '
                  f'{time.time() - start:.0f}s: ' + ', '.join(
                      f'{k}={v}' for k, v in row.items()
                      if k not in ('width', 'params', 'flops')),
                  logger='current')
    write_transfer_report(rows, work_dir, report_name,
                          title=osp.basename(config))
    return rows


def write_transfer_report(rows: List[Dict], out_dir: str, name: str,
                          title: Optional[str] = None) -> Dict[str, str]:
    """``<name>.md/.csv/.png`` in ``out_dir`` and the table printed."""
    from slimmm.evaluation.reports import markdown_table, write_width_report
    metric_columns = [c for c in METRIC_COLUMNS.values()
                      if any(c in r for r in rows)]
    y_keys = [c for c in ('AP_bb', 'AP_mk', 'mAP', 'AP50')
              if c in metric_columns] or metric_columns
    columns = ['width', 'params', 'flops'] + metric_columns
    paths = write_width_report(rows, out_dir, name, x_keys=('params',
                                                            'flops'),
                               y_keys=y_keys, columns=columns, title=title)
    print(markdown_table(rows, columns))
    return paths
