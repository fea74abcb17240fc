"""Write a deterministic 1% / 10% labelled subset of an annotation list.

    python tools/dataset_converters/make_label_subset.py \
        --ann-file data/imagenet/meta/train.txt --fraction 0.01 --seed 0 \
        --out data/imagenet/meta/train_1percent_seed0.txt

Rule (slimmm.datasets.label_subset): per class, sort the image paths,
shuffle with random.Random(f'{seed}-{label}'), keep the first
max(1, round(fraction * n_class)). Same input, fraction and seed -> the
same file on any machine.
"""
import argparse

from slimmm.datasets.label_subset import write_label_subset


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--ann-file', required=True,
                        help='"<path> <label>" lines (meta/train.txt)')
    parser.add_argument('--fraction', type=float, required=True)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    subset = write_label_subset(args.ann_file, args.out, args.fraction,
                                args.seed)
    print(f'{len(subset)} images ({len({l for _, l in subset})} classes) '
          f'-> {args.out}')


if __name__ == '__main__':
    main()
