"""The README's main job on the built-in tiny data (CPU, ~10 minutes):
tiny data -> SlimCLR-MoCov2 pretraining of a slimmable ResNet-18 ->
switchable linear probe per width -> Mask R-CNN per width on tiny COCO,
and the same probe and fine-tuning from a random initialisation -> one
per-width table (init, params, FLOPs, top-1, AP50^bb, AP^bb, AP^mk), a
"what this shows" line checking the goals, and one plot panel per metric.

    python tools/benchmarks/main_job.py [--work-dir work_dirs/main_job]

Steps whose outputs exist are skipped, so a rerun resumes. Library code:
:mod:`slimmm.apis.main_job`.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import slimmm  # noqa: E402,F401
from slimmm.apis.main_job import (RANDOM_INIT_WIDTHS, WIDTHS,  # noqa: E402
                                  run_main_job)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/main_job')
    parser.add_argument('--data-dir', default='data')
    parser.add_argument('--widths', type=float, nargs='+',
                        default=list(WIDTHS))
    parser.add_argument('--random-init-widths', type=float, nargs='*',
                        default=list(RANDOM_INIT_WIDTHS),
                        help='widths also trained from a random '
                        'initialisation (none: skip the baseline rows)')
    parser.add_argument('--protocol', default='per-width',
                        choices=['per-width', 'joint'],
                        help='detection step: one fine-tuning per width, or '
                        'one detector trained at all widths (SlimCLR '
                        'Table 2)')
    args = parser.parse_args(argv)
    run_main_job(args.work_dir, args.data_dir, args.widths,
                 args.random_init_widths, protocol=args.protocol)


if __name__ == '__main__':
    main()
