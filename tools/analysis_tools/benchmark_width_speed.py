"""Time the slimmable backbone at each width against the exported plain
network of the same width, in one run, and print the ratio per width and
how far their outputs differ.

    python tools/analysis_tools/benchmark_width_speed.py CONFIG \
        [--batch 8] [--size 128] [--repeats 5] [--widths 1.0 0.5] \
        [--no-backward] [--threads N] [--device cuda] \
        [--channels-last {off,on,both}] [--warmup 1] [--out rows.json]

A benchmark, not a test: the target is a ratio of at most 1.10. The
output difference (``max_rel_diff``, eval mode, full fp32) is what an
exported width changes against the slimmable network.
"""
import argparse
import json
import os

import torch

import slimmm  # noqa: F401  (registries)
from slimmm.analysis.speed import benchmark_widths, speed_table
from slimmm.apis import load_config
from slimmm.models.export import backbone_cfg_of

MEMORY_FORMATS = dict(off=[False], on=[True], both=[False, True])


def parse_args():
    parser = argparse.ArgumentParser(
        description='Slimmable vs plain speed per width')
    parser.add_argument('config', help='config holding model.backbone')
    parser.add_argument('--widths', type=float, nargs='+')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=128)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed steps per network and width first')
    parser.add_argument('--no-backward', action='store_true',
                        help='time forward only')
    parser.add_argument('--threads', type=int,
                        help='torch CPU threads (default: torch default)')
    parser.add_argument('--device', default='cpu',
                        help="'cpu' or 'cuda' (default: cpu)")
    parser.add_argument('--channels-last', default='off',
                        choices=sorted(MEMORY_FORMATS),
                        help='torch.channels_last memory format for input '
                        'and networks; both: one table each')
    parser.add_argument('--out', help='also write the rows as JSON here '
                        '(never overwritten)')
    return parser.parse_args()


def check_args(args) -> None:
    """Fail before any compute on an unusable device or output path."""
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise SystemExit(f'--device {args.device}: torch sees no CUDA '
                         'device here; use --device cpu.')
    if args.out and os.path.exists(args.out):
        raise SystemExit(f'{args.out} exists; choose another --out.')


def main():
    args = parse_args()
    check_args(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    backbone_cfg = backbone_cfg_of(load_config(args.config))
    results = []
    for channels_last in MEMORY_FORMATS[args.channels_last]:
        rows = benchmark_widths(backbone_cfg, args.widths, args.batch,
                                args.size, args.repeats,
                                backward=not args.no_backward,
                                device=args.device,
                                channels_last=channels_last,
                                warmup=args.warmup)
        layout = 'channels_last' if channels_last else 'contiguous (NCHW)'
        print(f'{backbone_cfg["type"]} depth={backbone_cfg.get("depth")} '
              f'({args.config}), batch {args.batch}, '
              f'{args.size}x{args.size}, {args.device}, {layout}, median of '
              f'{args.repeats}, {torch.get_num_threads()} threads')
        print(speed_table(rows))
        print('max relative output difference (fp32): ' + ', '.join(
            f'{r["width"]}: {r["max_rel_diff"]:.1e}' for r in rows) + '\n')
        results.append(dict(channels_last=channels_last, rows=rows))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(config=args.config, device=args.device,
                           batch=args.batch, size=args.size,
                           repeats=args.repeats, results=results),
                      f, indent=2)


if __name__ == '__main__':
    main()
