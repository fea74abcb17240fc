"""Convert a released SlimCLR checkpoint to a slimmm checkpoint.

    python tools/model_converters/slimclr_to_slimmm.py SRC DST \
        [--widths 1.0 0.75 0.5 0.25] [--config CONFIG] [--keep-momentum]

Recognises the MoCov2, MoCov3, linear-evaluation and Mask R-CNN layouts of
github.com/mzhaoshuai/SlimCLR. DST holds ``state_dict`` (the backbone under
``backbone.``, projector / predictor / per-width classifiers under slimmm's
names) and ``meta`` (source format, widths, the slimmm config as text), so
export_width.py, the probes, kNN and tools/benchmarks/transfer.py read it
as is. Any key that does not fit stops the conversion with the list;
an existing DST is never overwritten. Library code:
:mod:`slimmm.models.converters.slimclr`.
"""
import argparse
import sys

import slimmm  # noqa: F401  (registries, safe checkpoint loading)
from slimmm.models.converters import (ConversionError, convert_slimclr,
                                      save_converted, summary)
from slimmm.models.converters.common import refuse_existing


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert a released SlimCLR checkpoint to slimmm')
    parser.add_argument('src', help='SlimCLR .pth.tar / .pth file')
    parser.add_argument('dst', help='slimmm checkpoint to write (.pth)')
    parser.add_argument('--widths', type=float, nargs='+',
                        default=[1.0, 0.75, 0.5, 0.25],
                        help='widths the source was trained with')
    parser.add_argument('--config', help='slimmm config of the target model '
                        '(default: the one of the detected layout)')
    parser.add_argument('--keep-momentum', action='store_true',
                        help='keep the momentum encoder (and MoCov2 queue) '
                        'for continued pretraining')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        refuse_existing(args.dst)  # before reading a large file
        conversion, meta = convert_slimclr(args.src, args.widths,
                                           args.config, args.keep_momentum)
        save_converted(conversion, meta, args.dst)
    except (ConversionError, FileNotFoundError) as e:
        sys.exit(f'error: {e}')
    print(f'{meta["source_format"]} checkpoint, widths {meta["widths"]} '
          f'(source BN members bn.0..: {meta["source_member_order"]}).')
    print(summary(conversion, args.dst))
    print(f'  slimmm config: {meta["config"]}')


if __name__ == '__main__':
    main()
