"""Evaluate a checkpoint with a slimmm config (mmengine Runner.test).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out x.pkl]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
"""
import argparse
import os.path as osp
import sys

from mmengine.runner import Runner

import slimmm  # noqa: F401
from slimmm.apis import load_run_config
from slimmm.apis.config import parse_run_args
from slimmm.apis.cpu_dist import close_distributed
from slimmm.datasets import DataInputError, check_data, one_line


def parse_args():
    parser = argparse.ArgumentParser(description='Test a slimmm model')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', help='dump predictions to a pickle file')
    return parse_run_args(parser)


def main():
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        sys.exit(f'error: checkpoint {args.checkpoint!r} does not exist; '
                 'pass a .pth file written by tools/train.py.')
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir,
                          args.launcher)
    cfg.load_from = args.checkpoint
    if args.out:
        cfg.test_evaluator = [cfg.test_evaluator] if isinstance(
            cfg.test_evaluator, dict) else list(cfg.test_evaluator)
        cfg.test_evaluator.append(dict(type='DumpResults',
                                       out_file_path=args.out))
    try:
        check_data(cfg, ['test_dataloader'])
        runner = Runner.from_cfg(cfg)
        runner.test()
    except DataInputError as error:
        sys.exit(f'error: {one_line(error)}')
    close_distributed()


if __name__ == '__main__':
    main()
