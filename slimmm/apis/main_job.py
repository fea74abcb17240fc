"""The main job: one slimmable network, pretrained once, evaluated at every
width, end to end on the built-in tiny data (CPU, about ten minutes).

Steps, each skipped when its output exists (a rerun resumes):

1. tiny data: ``data/tiny_imagenet`` (classification) and ``data/tiny_coco``
   (instance segmentation), drawn shapes, generated in seconds;
2. SlimCLR-MoCov2 pretraining of a slimmable ResNet-18 [1.0, 0.75, 0.5,
   0.25] (``configs/slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py``);
3. the switchable linear probe of each width on the frozen backbone
   (``configs/benchmarks/linear_probe/slimclr-mocov2_switchable-linear_slimmable-r18_tiny.py``),
   top-1 per width;
4. Mask R-CNN R-18-FPN fine-tuned per width on tiny COCO
   (``configs/benchmarks/mmdetection/mask-rcnn_slimmable-r18_fpn_tiny-coco.py``
   through :func:`slimmm.apis.transfer.run_transfer`), AP^bb and AP^mk;
5. one table (width, params, FLOPs, top-1, AP^bb, AP^mk) and plot:
   ``<work_dir>/main_job_results.{md,csv,png}``.

The same configs without ``tiny`` run the papers' recipes on real data.
"""
import csv
import glob
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence

from mmengine.logging import print_log

from .transfer import (REPO_ROOT, TOOLS, _env, _last_checkpoint, _run,
                       _write_json, run_joint_transfer, run_transfer)

PRETRAIN_CONFIG = 'configs/slimclr/slimclr-mocov2_slimmable-r18_1xb32-tiny.py'
PROBE_CONFIG = ('configs/benchmarks/linear_probe/'
                'slimclr-mocov2_switchable-linear_slimmable-r18_tiny.py')
DETECTION_CONFIG = ('configs/benchmarks/mmdetection/'
                    'mask-rcnn_slimmable-r18_fpn_tiny-coco.py')
#: Step 4 with ``protocol='joint'``: one detector trained at all widths.
JOINT_DETECTION_CONFIG = ('configs/benchmarks/mmdetection/'
                          'mask-rcnn_slimmable-r18_fpn_joint_tiny-coco.py')
WIDTHS = (1.0, 0.75, 0.5, 0.25)


def _config_path(path: str) -> str:
    full = path if osp.isabs(path) else osp.join(REPO_ROOT, path)
    if not osp.isfile(full):
        raise FileNotFoundError(
            f'Config {path!r} is missing from this checkout ({full}).')
    return full


def _step(index: int, total: int, text: str) -> None:
    print_log(f'[main job {index}/{total}] {text}', logger='current')


def make_data(data_dir: str) -> Dict:
    from slimmm.datasets import make_tiny_coco, make_tiny_imagenet
    return dict(
        imagenet=make_tiny_imagenet(osp.join(data_dir, 'tiny_imagenet')),
        coco=make_tiny_coco(osp.join(data_dir, 'tiny_coco')))


def train_once(config: str, work_dir: str,
               cfg_options: Sequence[str] = ()) -> str:
    """``tools/train.py`` in ``work_dir`` unless a ``done.json`` says it
    finished; resumes an interrupted run. Returns the final checkpoint."""
    done = osp.join(work_dir, 'done.json')
    if osp.isfile(done):
        with open(done) as f:
            return json.load(f)['checkpoint']
    os.makedirs(work_dir, exist_ok=True)
    cmd = [sys.executable, osp.join(TOOLS, 'train.py'), _config_path(config),
           '--work-dir', work_dir]
    if _last_checkpoint(work_dir) is not None:
        cmd.append('--resume')
    if cfg_options:
        cmd += ['--cfg-options', *cfg_options]
    _run(cmd, work_dir, _env())
    checkpoint = _last_checkpoint(work_dir)
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


def merge_rows(probe: List[Dict], detection: List[Dict]) -> List[Dict]:
    """One row per width: params / FLOPs (the deployed backbone with a
    1000-way classifier at 224 px, as the papers' tables), top-1, AP."""
    by_width: Dict[float, Dict] = {}
    for row in detection:
        by_width[float(row['width'])] = {
            'width': float(row['width']), 'params': row.get('params'),
            'flops': row.get('flops'), 'top1': None,
            'AP_bb': row.get('AP_bb'), 'AP_mk': row.get('AP_mk')}
        if 'protocol' in row:  # which transfer protocol made the AP
            by_width[float(row['width'])]['protocol'] = row['protocol']
    for row in probe:
        width = float(row['width'])
        entry = by_width.setdefault(width, {'width': width})
        top1 = row.get('top1', row.get('accuracy/top1'))
        entry['top1'] = round(float(top1), 2) if top1 is not None else None
    return sorted(by_width.values(), key=lambda r: -r['width'])


def run_main_job(work_dir: str = 'work_dirs/main_job',
                 data_dir: str = 'data',
                 widths: Sequence[float] = WIDTHS,
                 pretrain_options: Sequence[str] = (),
                 probe_options: Sequence[str] = (),
                 detection_options: Optional[Dict] = None,
                 protocol: str = 'per-width') -> List[Dict]:
    """Run (or resume) the whole job; returns the per-width rows.

    Args:
        work_dir (str): Everything goes here: ``pretrain/``,
            ``linear_probe/``, ``detection/`` and the final report.
        data_dir (str): Where the tiny datasets are generated (the tiny
            configs read ``data/tiny_imagenet`` and ``data/tiny_coco``).
        widths (Sequence[float]): Widths to probe and transfer.
        pretrain_options / probe_options (Sequence[str]): ``key=value``
            overrides passed to ``tools/train.py --cfg-options``.
        detection_options (dict, optional): Overrides for the detection
            config of every width.
        protocol (str): ``'per-width'`` (one Mask R-CNN per width) or
            ``'joint'`` (one Mask R-CNN trained at all widths, SlimCLR
            Table 2; ``widths`` then come from its config).
    """
    if protocol not in ('per-width', 'joint'):
        raise ValueError(f"protocol must be 'per-width' or 'joint', got "
                         f'{protocol!r}.')
    start = time.time()
    total = 5
    _step(1, total, f'tiny data under {data_dir}/')
    make_data(data_dir)

    _step(2, total, f'SlimCLR-MoCov2 pretraining ({PRETRAIN_CONFIG})')
    checkpoint = train_once(PRETRAIN_CONFIG, osp.join(work_dir, 'pretrain'),
                            pretrain_options)
    print_log(f'pretrained checkpoint: {checkpoint}', logger='current')

    _step(3, total, f'switchable linear probe per width ({PROBE_CONFIG})')
    probe_dir = osp.join(work_dir, 'linear_probe')
    train_once(PROBE_CONFIG, probe_dir, [
        f'model.backbone.init_cfg.checkpoint={checkpoint}', *probe_options])
    probe_rows = read_probe_rows(probe_dir)

    if protocol == 'joint':
        _step(4, total, 'one Mask R-CNN at all widths on tiny COCO '
              f'({JOINT_DETECTION_CONFIG})')
        detection_rows = run_joint_transfer(
            _config_path(JOINT_DETECTION_CONFIG), checkpoint,
            work_dir=osp.join(work_dir, 'detection_joint'),
            cfg_options=detection_options)
    else:
        _step(4, total,
              f'Mask R-CNN per width on tiny COCO ({DETECTION_CONFIG})')
        detection_rows = run_transfer(
            _config_path(DETECTION_CONFIG), checkpoint, list(widths),
            work_dir=osp.join(work_dir, 'detection'),
            cfg_options=detection_options)

    _step(5, total, 'per-width table')
    rows = merge_rows(probe_rows, detection_rows)
    from slimmm.evaluation.reports import write_width_report
    paths = write_width_report(
        rows, work_dir, 'main_job_results', x_keys=('params', 'flops'),
        y_keys=['top1', 'AP_bb', 'AP_mk'],
        columns=['width', 'params', 'flops', 'top1', 'AP_bb', 'AP_mk',
                 'protocol'],
        title='SlimCLR-MoCov2 slimmable R-18, tiny data')
    print('\nMain job: per-width results (top-1: switchable linear probe on '
          'tiny ImageNet; AP: Mask R-CNN on tiny COCO)\n')
    print(paths['table'])
    print(f'saved to {osp.join(work_dir, "main_job_results")}'
          f'.{{md,csv,png}} ({time.time() - start:.0f}s)')
    return rows
