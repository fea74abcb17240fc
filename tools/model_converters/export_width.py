"""Export one width of a slimmable checkpoint as a plain network.

    python tools/model_converters/export_width.py SLIMMABLE_CKPT --width 0.5 \
        --out r50_w0.5.pth [--config CONFIG] [--prefix backbone.] \
        [--calib-data DIR --calib-batches 10 --calib-batch-size 32] [--force]

The output holds ``state_dict`` (keys and shapes of the stock network at that
width, e.g. mmpretrain/mmdet ``ResNet(depth=50, stem_channels=32,
base_channels=32)``) and ``meta`` (``width``, ``plain_config``: the stock
config to build, ``static_config``: the slimmm fixed-width config).

The architecture comes from ``--config`` or from the config text mmengine's
Runner stores in the checkpoint (``meta['cfg']``). Universally slimmable
checkpoints share BN statistics over all widths: ``--calib-data`` (a folder
of training images) is required to recalibrate them at the exported width.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

import slimmm  # noqa: F401  (registries, safe checkpoint loading)
from slimmm.models.export import (calibrate_backbone, export_width,
                                  load_slimmable_backbone, save_exported)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Export one width of a slimmable backbone checkpoint')
    parser.add_argument('checkpoint', help='slimmable checkpoint (.pth)')
    parser.add_argument('--width', type=float, required=True,
                        help='width to export, e.g. 0.5')
    parser.add_argument('--out', required=True, help='output .pth path')
    parser.add_argument('--config', help='config the checkpoint was trained '
                        "with (default: the checkpoint's meta['cfg'])")
    parser.add_argument('--prefix', default='backbone.',
                        help="where the backbone's keys start in the "
                        "checkpoint ('' for a bare backbone state dict)")
    parser.add_argument('--calib-data', help='folder of images to '
                        'recalibrate BN at the width (required for '
                        'universally slimmable checkpoints)')
    parser.add_argument('--calib-batches', type=int, default=10)
    parser.add_argument('--calib-batch-size', type=int, default=32)
    parser.add_argument('--calib-size', type=int, default=224,
                        help='image size of the calibration batches')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. '
                        'model.backbone.depth=18')
    parser.add_argument('--force', action='store_true',
                        help='overwrite --out if it exists')
    return parser.parse_args()


def main():
    args = parse_args()
    if osp.exists(args.out) and not args.force:
        raise SystemExit(f'{args.out} exists; choose another --out or pass '
                         '--force to overwrite it.')
    backbone, backbone_cfg = load_slimmable_backbone(
        args.checkpoint, args.config, args.prefix, args.cfg_options)
    width = backbone.check_width(args.width)  # fail before any compute
    if backbone.width_space.universal:
        if not args.calib_data:
            raise SystemExit(
                'This checkpoint is universally slimmable: its BN statistics '
                'are shared by all widths (or absent, in a checkpoint '
                'converted from US3L) and must be recalibrated at width '
                f'{width}. Run: python tools/model_converters/'
                f'export_width.py {args.checkpoint} --width {width} --out '
                f'{args.out} --calib-data DIR (DIR: a folder of training '
                'images).')
        used = calibrate_backbone(backbone, width, args.calib_data,
                                  args.calib_batches, args.calib_batch_size,
                                  args.calib_size)
        print(f'Recalibrated BN at width {width} on {used} batches.')
    elif args.calib_data:
        print('Switchable BN keeps private statistics per width; '
              '--calib-data is not needed and was ignored.')
    exported = export_width(backbone, width, backbone_cfg,
                            source=args.checkpoint)
    save_exported(exported, args.out, args.force)
    meta = exported['meta']
    print(f'Wrote width {width} to {args.out}.')
    print(f'  stock config:  {meta["plain_config"]}')
    print(f'  slimmm config: {meta["static_config"]}')


if __name__ == '__main__':
    main()
