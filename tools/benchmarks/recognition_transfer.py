"""Per-width transfer of one checkpoint to recognition benchmarks (US3L
Table 6): CIFAR-10, CIFAR-100, Flowers-102, Oxford-IIIT Pets and DTD,
ending in one dataset x width table and plot.

    python tools/benchmarks/recognition_transfer.py CKPT \
        [--datasets cifar10 cifar100 flowers102 pets dtd] \
        [--widths 1.0 0.75 0.5 0.25] [--protocol linear|finetune] [--tiny] \
        [--work-dir DIR] [--jobs N] [--cfg-options k=v ...]

``--protocol linear`` (default): per dataset ONE run of its linear
evaluation config (``configs/benchmarks/recognition/linear_*``): frozen
backbone, BN recalibrated per width, a linear classifier per width, every
listed width in the same run. ``--protocol finetune``: per dataset and
width one full fine-tuning of that width (``finetune_*``, the backbone
built static at the width). ``--tiny`` uses the tiny-data configs
(``linear_us-r18_tiny-*``: the built-in tiny datasets, written on first
use). Every dataset's files are checked before anything trains. A run
with a ``done.json`` is skipped on a rerun and an interrupted one resumes
from its last checkpoint. Writes ``recognition_results.{md,csv,png}`` in
the work dir (default ``work_dirs/recognition_transfer/<checkpoint's
folder>_<checkpoint name>``). The runs are launched here, one process
each (``--jobs`` side by side); on a cluster, run the same configs with
``tools/dist_train.sh`` / ``slurm_train.sh`` into these work dirs and
rerun this command to collect the table.
"""
import argparse
import os
import os.path as osp
import sys
from functools import partial
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmengine.config import DictAction  # noqa: E402
from mmengine.logging import print_log  # noqa: E402
from transfer_runs import (config_path, read_probe_rows,  # noqa: E402
                           run_parallel, set_jobs, train_once)

import slimmm  # noqa: E402,F401
from slimmm.apis import load_config  # noqa: E402
from slimmm.datasets import DataInputError, check_data, one_line  # noqa: E402

CONFIG_DIR = 'configs/benchmarks/recognition'
#: ``--datasets`` name -> the suffix of its configs
DATASETS = ('cifar10', 'cifar100', 'flowers102', 'pets', 'dtd')
PROTOCOLS = ('linear', 'finetune')
REPORT_NAME = 'recognition_results'
COLUMNS = ('dataset', 'width', 'params', 'flops', 'top1', 'top5')


def dataset_config(dataset: str, protocol: str, tiny: bool) -> str:
    """The config of ``dataset`` for ``protocol`` (tiny: the tiny-data
    linear config, fine-tuned with :data:`FINETUNE_OPTIONS`)."""
    if dataset not in DATASETS:
        raise ValueError(f'Unknown dataset {dataset!r}; choose from '
                         f'{DATASETS}.')
    if tiny:
        name = f'linear_us-r18_tiny-{dataset}.py'
    else:
        name = f'{protocol}_us-r50_8xb64-steplr-100e_{dataset}.py'
    return config_path(osp.join(CONFIG_DIR, name))


#: What turns a tiny linear config into a fine-tuning of one width (the
#: real ``finetune_*`` configs say the same).
FINETUNE_OPTIONS = ('model.widths=None', 'model.frozen_backbone=False')


def run_options(checkpoint: str, protocol: str, tiny: bool,
                widths: Sequence[float], width: Optional[float]
                ) -> List[str]:
    """``--cfg-options`` of one run."""
    options = [f'model.backbone.init_cfg.checkpoint={checkpoint}']
    if protocol == 'linear':
        options.append('model.widths=[' + ','.join(
            str(float(w)) for w in widths) + ']')
    else:
        options.append(f'model.backbone.width={float(width)}')
        if tiny:
            options += list(FINETUNE_OPTIONS)
    return options


def check_inputs(checkpoint: str, runs: Sequence[Dict]) -> None:
    """Everything a run needs, before any of them starts: the checkpoint
    and every dataset's files (one line naming the file and the fix)."""
    if not osp.isfile(checkpoint):
        raise DataInputError(f'Checkpoint {checkpoint} does not exist; pass '
                             'the pretraining checkpoint (.pth).')
    checked = set()
    for run in runs:
        if run['dataset'] in checked:
            continue
        checked.add(run['dataset'])
        options = dict(o.split('=', 1) for o in run['options'])
        cfg = load_config(run['config'])
        cfg.merge_from_dict({k: v for k, v in options.items()
                             if not k.startswith('model.')})
        check_data(cfg, ('train_dataloader', 'val_dataloader'))


def plan_runs(checkpoint: str, datasets: Sequence[str],
              widths: Sequence[float], protocol: str, tiny: bool,
              work_dir: str) -> List[Dict]:
    """One run per dataset (linear) or per dataset and width (finetune)."""
    runs = []
    for dataset in datasets:
        config = dataset_config(dataset, protocol, tiny)
        for width in (widths if protocol == 'finetune' else [None]):
            where = osp.join(work_dir, dataset) if width is None else \
                osp.join(work_dir, dataset, f'width_{width:g}')
            runs.append(dict(dataset=dataset, config=config, work_dir=where,
                             options=run_options(checkpoint, protocol, tiny,
                                                 widths, width)))
    return runs


def run_recognition_transfer(checkpoint: str,
                             datasets: Sequence[str] = DATASETS,
                             widths: Sequence[float] = (1.0, 0.75, 0.5,
                                                        0.25),
                             protocol: str = 'linear', tiny: bool = False,
                             work_dir: Optional[str] = None,
                             cfg_options: Sequence[str] = ()) -> List[Dict]:
    """Every dataset x width of ``checkpoint``; returns the table's rows
    and writes ``<work_dir>/recognition_results.{md,csv,png}``."""
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol must be one of {PROTOCOLS}, got '
                         f'{protocol!r}.')
    if not widths:
        raise ValueError('Give at least one width (--widths 1.0 0.5 ...).')
    widths = sorted({float(w) for w in widths}, reverse=True)
    if work_dir is None:
        # <run folder>_<file> (epoch_8.pth alone would not say which run)
        name = osp.splitext(osp.basename(checkpoint))[0]
        run = osp.basename(osp.dirname(osp.abspath(checkpoint)))
        work_dir = osp.join('work_dirs', 'recognition_transfer',
                            f'{run}_{name}' if run else name)
    runs = plan_runs(checkpoint, datasets, widths, protocol, tiny, work_dir)
    for run in runs:
        run['options'] += list(cfg_options)
    check_inputs(checkpoint, runs)
    os.makedirs(work_dir, exist_ok=True)

    def one(index: int, run: Dict) -> List[Dict]:
        print_log(f'run {index + 1}/{len(runs)}: {run["dataset"]} '
                  f'({protocol}) in {run["work_dir"]} ...', logger='current')
        train_once(run['config'], run['work_dir'], run['options'])
        return [dict(dataset=run['dataset'], **row)
                for row in read_probe_rows(run['work_dir'])]

    rows = [row for result in run_parallel(
        [partial(one, i, run) for i, run in enumerate(runs)])
        for row in result]
    write_recognition_report(rows, work_dir, protocol)
    return rows


def write_recognition_report(rows: Sequence[Dict], work_dir: str,
                             protocol: str) -> Dict[str, str]:
    """The dataset x width table (Markdown, CSV) and one plot: top-1
    against GFLOPs, a line per dataset."""
    from slimmm.evaluation.reports import (markdown_table, plot_metric_panels,
                                           write_csv)
    stem = osp.join(work_dir, REPORT_NAME)
    columns = [c for c in COLUMNS if any(c in row for row in rows)]
    table = markdown_table(rows, columns)
    with open(stem + '.md', 'w') as f:
        f.write(table + '\n')
    write_csv(rows, stem + '.csv', columns)
    plot = plot_metric_panels(
        rows, stem + '.png', ['top1'], x_key='flops', group_key='dataset',
        title=f'Recognition transfer per width ({protocol})')
    print(table)
    print(f'saved to {stem}.{{md,csv,png}}')
    return dict(markdown=stem + '.md', csv=stem + '.csv', plot=plot)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='pretraining checkpoint (.pth)')
    parser.add_argument('--datasets', nargs='+', default=list(DATASETS),
                        choices=DATASETS)
    parser.add_argument('--widths', nargs='+', type=float,
                        default=[1.0, 0.75, 0.5, 0.25])
    parser.add_argument('--protocol', default='linear', choices=PROTOCOLS,
                        help='linear: frozen backbone, all widths in one '
                        'run per dataset; finetune: one full fine-tuning '
                        'per dataset and width')
    parser.add_argument('--tiny', action='store_true',
                        help='the tiny-data configs (CPU)')
    parser.add_argument('--work-dir')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs at once on this machine, each with '
                        'cpu_count / jobs threads')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='overrides for every run')
    args = parser.parse_args(argv)
    set_jobs(args.jobs)
    options = [f'{k}={v}' for k, v in args.cfg_options.items()]
    try:
        run_recognition_transfer(args.checkpoint, args.datasets, args.widths,
                                 args.protocol, args.tiny, args.work_dir,
                                 options)
    except (DataInputError, ValueError, FileNotFoundError) as error:
        raise SystemExit(f'error: {one_line(error)}')


if __name__ == '__main__':
    main()
