"""Per-width params / FLOPs of every registered slimmable backbone, each
built from its configs in configs/backbones/ (224x224 input, 1000-class
linear head).

    python tools/analysis_tools/backbone_zoo_table.py [--config-dir DIR]
        [--shape 224] [--json]
"""
import argparse
import json
import os.path as osp
import time

import slimmm  # noqa: F401  (registries)
from slimmm.analysis import backbone_complexity, complexity_table
from slimmm.analysis.zoo import backbone_configs, slimmable_backbone_classes

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args():
    parser = argparse.ArgumentParser(
        description='Params / FLOPs per width of every slimmable backbone')
    parser.add_argument('--config-dir',
                        default=osp.join(REPO, 'configs', 'backbones'))
    parser.add_argument('--shape', type=int, default=224)
    parser.add_argument('--json', action='store_true')
    return parser.parse_args()


def main():
    args = parse_args()
    start = time.time()
    configs = backbone_configs(args.config_dir)
    results, cache = {}, {}
    for name in slimmable_backbone_classes():
        if name not in configs:
            print(f'**{name}**: no config in {args.config_dir}\n')
            continue
        for path, backbone_cfg in configs[name]:
            rows = backbone_complexity(backbone_cfg, input_size=args.shape,
                                       cache=cache)
            results[osp.relpath(path, REPO)] = rows
            if not args.json:
                space = ('range ' + str(tuple(backbone_cfg['width_range']))
                         if backbone_cfg.get('width_range') else
                         f'widths {backbone_cfg.get("widths")}')
                print(complexity_table(
                    rows, f'{name} ({osp.basename(path)}, {space})') + '\n')
    if args.json:
        print(json.dumps(results))
    else:
        print(f'{len(results)} configs, input {args.shape}x{args.shape}, '
              f'{time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
