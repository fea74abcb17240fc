"""Convert a US3L checkpoint (universally slimmable ResNet) to slimmm.

    python tools/model_converters/us3l_to_slimmm.py SRC DST [--config CONFIG]

Reads the backbone of github.com/megvii-research/US3L-CVPR2023 (torchvision
names under ``module.encoder_q.``, one shared BN per layer) into slimmm's
universally slimmable ResNet (``backbone.``). US3L's recipes train without
BN running statistics: ``meta['bn_running_stats']`` says whether the file
had them; slimmm's tools recalibrate BN at each width before evaluating or
exporting it (export_width.py needs ``--calib-data``). Any key that does
not fit stops the conversion with the list; an existing DST is never
overwritten. Library code: :mod:`slimmm.models.converters.us3l`.
"""
import argparse
import sys

import slimmm  # noqa: F401  (registries, safe checkpoint loading)
from slimmm.models.converters import (ConversionError, convert_us3l,
                                      save_converted, summary)
from slimmm.models.converters.common import refuse_existing


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert a US3L checkpoint to slimmm')
    parser.add_argument('src', help='US3L checkpoint.pth.tar')
    parser.add_argument('dst', help='slimmm checkpoint to write (.pth)')
    parser.add_argument('--config', help='slimmm config with a universally '
                        'slimmable backbone (default: configs/us3l/'
                        'us3l_us-r50_8xb64-coslr-100e_in1k.py)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        refuse_existing(args.dst)
        conversion, meta = convert_us3l(args.src, args.config)
        save_converted(conversion, meta, args.dst)
    except (ConversionError, FileNotFoundError) as e:
        sys.exit(f'error: {e}')
    print(f'US3L checkpoint, widths {meta["width_range"]}, BN running '
          f'statistics {"present" if meta["bn_running_stats"] else "ABSENT"}'
          ' (recalibrated per width by the probes, kNN and export_width.py '
          '--calib-data).')
    print(summary(conversion, args.dst))
    print(f'  slimmm config: {meta["config"]}')


if __name__ == '__main__':
    main()
