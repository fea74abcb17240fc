"""Generate the tiny synthetic datasets the tiny configs and the demo use.

    python tools/dataset_converters/make_tiny_data.py imagenet \
        --out data/tiny_imagenet [--num-classes 10] [--train-per-class 40]
        [--val-per-class 30] [--image-size 64] [--seed 0]
    python tools/dataset_converters/make_tiny_data.py coco \
        --out data/tiny_coco [--num-train 48] [--num-val 16] [--image-size 96]
    python tools/dataset_converters/make_tiny_data.py voc \
        --out data/tiny_voc [--images-per-year 32] [--image-size 96]
    python tools/dataset_converters/make_tiny_data.py ade20k \
        --out data/tiny_ade20k [--num-train 32] [--num-val 16] \
        [--image-size 64]

Each dataset is one sub-command; its generator lives in
``slimmm.datasets.synthetic`` and is registered in :data:`GENERATORS`.
Generation is idempotent: an existing dataset is reported, not rewritten.
"""
import argparse
from typing import Callable, Dict

import slimmm  # noqa: F401
from slimmm.datasets import (make_tiny_ade20k, make_tiny_coco,
                             make_tiny_imagenet, make_tiny_voc)


def _add_imagenet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--out', default='data/tiny_imagenet',
                        help='dataset root to write')
    parser.add_argument('--num-classes', type=int, default=10)
    parser.add_argument('--train-per-class', type=int, default=40)
    parser.add_argument('--val-per-class', type=int, default=30)
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)


def _make_imagenet(args: argparse.Namespace) -> Dict:
    return make_tiny_imagenet(
        args.out, num_classes=args.num_classes,
        train_per_class=args.train_per_class,
        val_per_class=args.val_per_class, image_size=args.image_size,
        seed=args.seed)


def _add_detection(parser: argparse.ArgumentParser, out: str) -> None:
    parser.add_argument('--out', default=out, help='dataset root to write')
    parser.add_argument('--image-size', type=int, default=96)
    parser.add_argument('--max-objects', type=int, default=3,
                        help='most shapes per image')
    parser.add_argument('--seed', type=int, default=0)


def _add_coco(parser: argparse.ArgumentParser) -> None:
    _add_detection(parser, 'data/tiny_coco')
    parser.add_argument('--num-train', type=int, default=48)
    parser.add_argument('--num-val', type=int, default=16)


def _make_coco(args: argparse.Namespace) -> Dict:
    return make_tiny_coco(
        args.out, num_train=args.num_train, num_val=args.num_val,
        image_size=args.image_size, max_objects=args.max_objects,
        seed=args.seed)


def _add_voc(parser: argparse.ArgumentParser) -> None:
    _add_detection(parser, 'data/tiny_voc')
    parser.add_argument('--images-per-year', type=int, default=32,
                        help='train + val images of VOC2007 and of VOC2012')


def _make_voc(args: argparse.Namespace) -> Dict:
    facts = make_tiny_voc(
        args.out, images_per_year=args.images_per_year,
        image_size=args.image_size, max_objects=args.max_objects,
        seed=args.seed)
    facts.update({f'num_{year}': splits['trainval']
                  for year, splits in facts['splits'].items()})
    return facts


def _add_ade20k(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--out', default='data/tiny_ade20k',
                        help='dataset root to write')
    parser.add_argument('--num-train', type=int, default=32)
    parser.add_argument('--num-val', type=int, default=16)
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--max-objects', type=int, default=3,
                        help='most shapes per image')
    parser.add_argument('--seed', type=int, default=0)


def _make_ade20k(args: argparse.Namespace) -> Dict:
    return make_tiny_ade20k(
        args.out, num_train=args.num_train, num_val=args.num_val,
        image_size=args.image_size, max_objects=args.max_objects,
        seed=args.seed)


# name -> (argument adder, generator, help)
GENERATORS: Dict[str, tuple] = {
    'imagenet': (_add_imagenet, _make_imagenet,
                 'ImageNet layout: class folders + meta/{train,val}.txt'),
    'coco': (_add_coco, _make_coco,
             'COCO 2017 layout: instances_{train,val}2017.json with '
             'polygon masks'),
    'voc': (_add_voc, _make_voc,
            'VOC 07+12 devkit: JPEGImages, Annotations XML, ImageSets/Main'),
    'ade20k': (_add_ade20k, _make_ade20k,
               'ADE20K layout: images/ and annotations/{training,validation} '
               'with PNG label maps'),
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
