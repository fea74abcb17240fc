"""Train a slimmm config with the stock mmengine Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
"""
import argparse

from mmengine.runner import Runner

import slimmm  # noqa: F401  (registries, safe checkpoint loading)
from slimmm.apis import load_run_config
from slimmm.apis.config import parse_run_args
from slimmm.apis.cpu_dist import close_distributed


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
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    runner = Runner.from_cfg(cfg)
    runner.train()
    close_distributed()


if __name__ == '__main__':
    main()
