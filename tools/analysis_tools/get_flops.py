"""Params and FLOPs of every width of the backbone in CONFIG.

    python tools/analysis_tools/get_flops.py CONFIG [--widths 1.0 0.5]
        [--shape 224] [--num-classes 1000] [--json] [--cfg-options k=v]

Each width is measured as the deployed plain network (one BN per layer) plus
global pooling and a ``num_classes`` linear classifier. CONFIG may be a
backbone config (configs/backbones/), a pretraining or a detection config:
only ``model.backbone`` is read.
"""
import argparse
import json

from mmengine.config import DictAction

import slimmm  # noqa: F401  (registries)
from slimmm.analysis import backbone_complexity, complexity_table
from slimmm.apis import load_config
from slimmm.models.export import backbone_cfg_of


def parse_args():
    parser = argparse.ArgumentParser(
        description='Per-width params and FLOPs of a slimmable backbone')
    parser.add_argument('config', help='config holding model.backbone')
    parser.add_argument('--widths', type=float, nargs='+',
                        help='widths to measure (default: all widths of the '
                        'backbone; 1.0 0.75 0.5 0.25 for universal ones)')
    parser.add_argument('--shape', type=int, default=224,
                        help='square input size')
    parser.add_argument('--num-classes', type=int, default=1000,
                        help='outputs of the linear classifier on top')
    parser.add_argument('--json', action='store_true',
                        help='print JSON instead of a Markdown table')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    backbone_cfg = backbone_cfg_of(cfg)
    rows = backbone_complexity(backbone_cfg, args.widths, args.shape,
                               args.num_classes)
    if args.json:
        print(json.dumps(rows))
    else:
        print(complexity_table(
            rows, f'{backbone_cfg["type"]} ({args.config}), input '
            f'{args.shape}x{args.shape}, {args.num_classes}-class linear '
            'head'))


if __name__ == '__main__':
    main()
