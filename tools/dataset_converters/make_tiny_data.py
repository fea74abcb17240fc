"""Generate the tiny synthetic datasets the tiny configs and the demo use.

    python tools/dataset_converters/make_tiny_data.py imagenet \
        --out data/tiny_imagenet [--num-classes 10] [--train-per-class 40]
        [--val-per-class 10] [--image-size 64] [--seed 0]

Each dataset is one sub-command; its generator lives in
``slimmm.datasets.synthetic`` and is registered in :data:`GENERATORS`.
Generation is idempotent: an existing dataset is reported, not rewritten.
"""
import argparse
from typing import Callable, Dict

import slimmm  # noqa: F401
from slimmm.datasets import make_tiny_imagenet


def _add_imagenet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--out', default='data/tiny_imagenet',
                        help='dataset root to write')
    parser.add_argument('--num-classes', type=int, default=10)
    parser.add_argument('--train-per-class', type=int, default=40)
    parser.add_argument('--val-per-class', type=int, default=10)
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)


def _make_imagenet(args: argparse.Namespace) -> Dict:
    return make_tiny_imagenet(
        args.out, num_classes=args.num_classes,
        train_per_class=args.train_per_class,
        val_per_class=args.val_per_class, image_size=args.image_size,
        seed=args.seed)


# name -> (argument adder, generator, help)
GENERATORS: Dict[str, tuple] = {
    'imagenet': (_add_imagenet, _make_imagenet,
                 'ImageNet layout: class folders + meta/{train,val}.txt'),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    commands = parser.add_subparsers(dest='dataset', required=True)
    for name, (add_arguments, _, text) in GENERATORS.items():
        add_arguments(commands.add_parser(name, help=text))
    return parser


def main() -> None:
    args = build_parser().parse_args()
    make: Callable = GENERATORS[args.dataset][1]
    facts = make(args)
    summary = {k: v for k, v in facts.items() if k.startswith('num_')}
    print(f'{args.dataset}: {facts.get("root", args.out)} {summary}')


if __name__ == '__main__':
    main()
