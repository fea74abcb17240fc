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

A checkpoint of a detector fine-tuned at ONE width (``slimmm.MaskRCNN`` etc.
with ``model.backbone.width`` set, e.g. the ViTDet-style
``mask-rcnn_us-vit-small_simple-fpn_16xb4-lsj-100e_coco.py``) is exported
whole: ``meta['plain_config']`` is the stock mmdet detector (the backbone
mmdet's ``ResNet`` or mmpretrain's ``VisionTransformer``, typed neck
``in_channels``) that loads ``state_dict`` strictly; ``--width`` must be
the width it was fine-tuned at.

A checkpoint of a joint slimmable detector (``slimmm.JointMaskRCNN`` /
``slimmm.JointFasterRCNN``, the joint protocol) exports the whole detector
at that width: ``meta['plain_config']`` is the stock mmdet model config
(stock ``ResNet`` at the width's channels, stock FPN with the width's
``in_channels``, the same heads) that loads ``state_dict`` strictly.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

import slimmm  # noqa: F401  (registries, safe checkpoint loading)
from slimmm.models.detectors import build_joint_detector, is_joint_config
from slimmm.models.export import (calibrate_backbone, checkpoint_config,
                                  export_detector, export_width,
                                  is_per_width_detector_config,
                                  load_slimmable_backbone, save_exported)
from slimmm.utils.checkpoint import (load_state_dict_strict, read_checkpoint,
                                     state_dict_of)


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
    ckpt = read_checkpoint(args.checkpoint)
    cfg = checkpoint_config(ckpt, args.checkpoint, args.config,
                            args.cfg_options)
    if is_joint_config(cfg.get('model') or {}):
        export_joint_detector(args, cfg, ckpt)
        return
    if is_per_width_detector_config(cfg.get('model') or {}):
        export_per_width_detector(args, cfg, ckpt)
        return
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
    if meta['plain_config'] is None:
        print(f'  stock config:  none: no stock mmpretrain / mmdet network '
              f'has the channels of width {width} '
              f'({backbone.feature_channels(width)} at the outputs; '
              "per-layer rounding or stage depths of no stock depth), so "
              "the file holds slimmm's static network: build it from the "
              'slimmm config below (slimmm imported).')
    else:
        print(f'  stock config:  {meta["plain_config"]}')
    print(f'  slimmm config: {meta["static_config"]}')


def export_per_width_detector(args, cfg, ckpt) -> None:
    """Write a detector fine-tuned at one width as the stock detector."""
    from mmdet.registry import MODELS as MMDET_MODELS
    from mmengine.config import ConfigDict
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import DefaultScope
    trained = float(cfg.model.backbone.width)
    if args.width != trained:
        raise SystemExit(
            f'This detector was fine-tuned at width {trained}; it holds no '
            f'other width. Pass --width {trained}.')
    model_cfg = cfg.model.to_dict()
    model_cfg['backbone']['init_cfg'] = None
    with DefaultScope.overwrite_default_scope('mmdet'):
        detector = revert_sync_batchnorm(
            MMDET_MODELS.build(ConfigDict(model_cfg)))
    load_state_dict_strict(
        detector, state_dict_of(ckpt), args.checkpoint,
        hint='Expected a checkpoint written by tools/train.py with this '
        'config; pass --config CONFIG of the run that wrote it.')
    exported = export_detector(detector, model_cfg, source=args.checkpoint)
    save_exported(exported, args.out, args.force)
    plain = exported['meta']['plain_config']
    print(f'Wrote the {cfg.model.type} at width {trained} to {args.out}.')
    print(f'  stock model type: {plain["type"]}, backbone: '
          f'{plain["backbone"]["type"]}, neck: {plain["neck"]["type"]}')


def export_joint_detector(args, cfg, ckpt) -> None:
    """Cut ``args.width`` out of a joint detector checkpoint."""
    detector = build_joint_detector(cfg.model)
    width = detector.check_width(args.width)  # fail before any compute
    load_state_dict_strict(
        detector, state_dict_of(ckpt), args.checkpoint,
        hint='Expected a checkpoint written by tools/train.py with this '
        'joint detector config; pass --config CONFIG of the run that wrote '
        'it.')
    universal = detector.backbone.width_space.universal
    if universal:
        if not args.calib_data:
            raise SystemExit(
                'This joint detector is universally slimmable: its BN '
                'statistics are shared by all widths and must be '
                f'recalibrated at width {width}. Pass --calib-data DIR (a '
                'folder of training images).')
        used = calibrate_backbone(detector.backbone, width, args.calib_data,
                                  args.calib_batches, args.calib_batch_size,
                                  args.calib_size)
        print(f'Recalibrated BN at width {width} on {used} batches.')
    exported = detector.export(width, source=args.checkpoint,
                               calibrated=universal)
    save_exported(exported, args.out, args.force)
    print(f'Wrote the {cfg.model.type} at width {width} to {args.out}.')
    plain = exported['meta']['plain_config']
    print(f'  stock model type: {plain["type"]}')
    if plain['backbone']['type'].startswith('slimmm.'):
        print(f'  backbone: no stock mmdet backbone has the channels of width '
              f'{width} (per-layer rounding); it is slimmm\'s static '
              f'network ({plain["backbone"]["type"]}, width={width}), built '
              'with slimmm imported.')


if __name__ == '__main__':
    main()
