"""Time the slimmable backbone at each width against the exported plain
network of the same width, in one run, and print the ratio per width.

    python tools/analysis_tools/benchmark_width_speed.py CONFIG \
        [--batch 8] [--size 128] [--repeats 5] [--widths 1.0 0.5] \
        [--no-backward] [--threads N]

A benchmark, not a test: the target is a ratio of at most 1.10 on CPU.
"""
import argparse

import torch

import slimmm  # noqa: F401  (registries)
from slimmm.analysis.speed import benchmark_widths, speed_table
from slimmm.apis import load_config
from slimmm.models.export import backbone_cfg_of


def parse_args():
    parser = argparse.ArgumentParser(
        description='Slimmable vs plain speed per width')
    parser.add_argument('config', help='config holding model.backbone')
    parser.add_argument('--widths', type=float, nargs='+')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=128)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--no-backward', action='store_true',
                        help='time forward only')
    parser.add_argument('--threads', type=int,
                        help='torch CPU threads (default: torch default)')
    return parser.parse_args()


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    backbone_cfg = backbone_cfg_of(load_config(args.config))
    rows = benchmark_widths(backbone_cfg, args.widths, args.batch, args.size,
                            args.repeats, backward=not args.no_backward)
    print(f'{backbone_cfg["type"]} depth={backbone_cfg.get("depth")} '
          f'({args.config}), batch {args.batch}, {args.size}x{args.size}, '
          f'median of {args.repeats}, {torch.get_num_threads()} threads')
    print(speed_table(rows))


if __name__ == '__main__':
    main()
