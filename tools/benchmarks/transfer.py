"""Fine-tune and evaluate a slimmable checkpoint at every width on
detection / instance segmentation (mmdet) or semantic segmentation (mmseg),
then write one per-width table.

    python tools/benchmarks/transfer.py CONFIG --checkpoint CKPT \
        [--protocol per-width|joint] --widths 1.0 0.75 0.5 0.25 \
        [--launcher none|pytorch|slurm] [--gpus N] [--work-dir DIR] \
        [--data-root DIR] [--jobs N] [--cfg-options k=v ...]

``--protocol per-width`` (default): one fine-tuning per width, each in
``<work-dir>/width_<w>/``; widths with a ``result.json`` are skipped on a
rerun. ``--protocol joint`` (SlimCLR Table 2; a ``*_joint*`` config): ONE
detector fine-tuned at all its widths together in ``<work-dir>``, resumed
from its last checkpoint, then evaluated at each width (``--widths`` is
not used: the config's ``train_widths`` / ``eval_widths`` are). Writes
``transfer_results.{md,csv,png}`` in the work dir (the metrics logged: AP
for detection, mIoU / mAcc / aAcc for segmentation; the backbone's and the
whole model's params and FLOPs) and prints the table.
Launching: ``transfer_runs.py`` beside this file; in-process parts:
:mod:`slimmm.apis.transfer`.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmengine.config import DictAction  # noqa: E402
from transfer_runs import run_transfer, set_jobs  # noqa: E402

import slimmm  # noqa: E402,F401
from slimmm.datasets import DataInputError  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Per-width detection / segmentation transfer of a '
        'slimmable checkpoint')
    parser.add_argument('config', help='detection or segmentation config '
                        'with a slimmm backbone, e.g. configs/benchmarks/'
                        'mmdetection/mask-rcnn_slimmable-r50_fpn_syncbn_1x_'
                        'coco.py or configs/benchmarks/mmsegmentation/'
                        'upernet_slimmable-r50_4xb4-160k_ade20k-512x512.py')
    parser.add_argument('--checkpoint', required=True,
                        help='slimmable pretrained checkpoint (.pth)')
    parser.add_argument('--protocol', default='per-width',
                        choices=['per-width', 'joint'],
                        help='per-width: one fine-tuning per width; joint: '
                        'one detector trained at all widths (SlimCLR Table '
                        '2, needs a *_joint* config)')
    parser.add_argument('--widths', type=float, nargs='+',
                        default=[1.0, 0.75, 0.5, 0.25])
    parser.add_argument('--work-dir', help='default: work_dirs/transfer/'
                        '<config name>')
    parser.add_argument('--data-root', help='redirect every dataset and '
                        'evaluator to this root')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm'])
    parser.add_argument('--gpus', type=int, default=1,
                        help='processes per width with --launcher pytorch')
    parser.add_argument('--partition', help='slurm partition')
    parser.add_argument('--port', type=int, help='rendezvous port '
                        '(pytorch launcher; default: a free one)')
    parser.add_argument('--jobs', type=int, default=1,
                        help='widths fine-tuned at once on this machine, '
                        'each with cpu_count / jobs threads (CPU runs: 2 '
                        'one-thread runs take about half the time of 2 '
                        'two-thread runs in a row)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides for every width, e.g. '
                        'train_cfg.max_epochs=1')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    set_jobs(args.jobs)
    try:
        run_transfer(args.config, args.checkpoint, args.widths,
                     work_dir=args.work_dir, protocol=args.protocol,
                     launcher=args.launcher, gpus=args.gpus,
                     cfg_options=args.cfg_options, data_root=args.data_root,
                     partition=args.partition, port=args.port)
    except DataInputError as e:
        sys.exit(f'error: {e}')


if __name__ == '__main__':
    main()
