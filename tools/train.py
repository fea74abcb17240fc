"""Train a slimmm config with the stock mmengine Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]

The datasets are checked before anything is built (missing root, malformed
annotation file, images that do not exist): a bad input ends in one line
naming the path and the fix.
"""
import argparse
import os.path as osp
import sys

from mmengine.runner import Runner

import slimmm  # noqa: F401  (registries, safe checkpoint loading)
from slimmm.apis import load_run_config
from slimmm.apis.config import parse_run_args
from slimmm.apis.cpu_dist import close_distributed
from slimmm.datasets import DataInputError, check_data, one_line
from slimmm.utils.checkpoint import ResumeError, resume_point


def parse_args():
    parser = argparse.ArgumentParser(description='Train a slimmm model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or from the latest checkpoint of the work '
        'dir when no CKPT is given')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision')
    return parse_run_args(parser)


def main():
    args = parse_args()
    cfg = load_run_config(args.config, args.cfg_options, args.work_dir,
                          args.launcher)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        # None (nothing saved yet) starts from scratch, as mmengine does; a
        # record naming a checkpoint a kill left missing or truncated falls
        # back to the newest complete one, or stops with the fix.
        try:
            cfg.resume, (cfg.load_from, note) = True, resume_point(
                cfg.work_dir)
        except ResumeError as error:
            sys.exit(f'error: {error}')
        if note:
            print(f'[train] {note}', flush=True)
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            sys.exit(f'error: checkpoint {args.resume!r} to resume from does '
                     'not exist; pass a .pth file of the work dir, or '
                     '--resume alone for its latest checkpoint.')
        cfg.resume, cfg.load_from = True, args.resume
    loaders = ['train_dataloader']
    if cfg.get('val_cfg') is not None:
        loaders.append('val_dataloader')
    try:
        check_data(cfg, loaders)
        runner = Runner.from_cfg(cfg)
        runner.train()
    except DataInputError as error:
        sys.exit(f'error: {one_line(error)}')
    close_distributed()


if __name__ == '__main__':
    main()
