"""kNN evaluation of a slimmable pretraining checkpoint at every width.

    python tools/benchmarks/knn_eval.py CONFIG --checkpoint PRETRAIN.pth \
        [--work-dir DIR] [--cfg-options k=v ...]

The config is a linear-probe style config (``model`` with the slimmable
backbone and the widths, ``test_dataloader``) plus ``knn = dict(k=20,
temperature=0.07, bank_dataloader=...)``. The bank's images, with the test
transforms, form the labelled bank; the test images are classified.
Nothing is trained. Universally slimmable backbones get their BN statistics
recalibrated per width on training batches first. Prints and saves the
per-width table (Markdown, CSV, PNG against FLOPs / params) under
``work_dir/<timestamp>/``.
"""
import argparse
import copy
import os
import os.path as osp
import sys
import time

from mmengine.config import DictAction
from mmengine.logging import MMLogger
from mmengine.runner import Runner

import slimmm  # noqa: F401
from slimmm.apis import load_config
from slimmm.datasets import DataInputError, check_data, one_line
from slimmm.engine.hooks.width_report_hook import add_complexity
from slimmm.evaluation import knn_evaluate, write_width_report
from slimmm.registry import MODELS


def parse_args():
    parser = argparse.ArgumentParser(description='Per-width kNN evaluation')
    parser.add_argument('config')
    parser.add_argument('--checkpoint', required=True,
                        help='pretraining checkpoint (backbone under '
                        '"backbone.")')
    parser.add_argument('--work-dir')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def bank_loader_cfg(cfg) -> dict:
    """The bank (training) set with the test transforms, no shuffling."""
    loader = copy.deepcopy(cfg.knn.bank_dataloader)
    loader['dataset']['pipeline'] = copy.deepcopy(
        cfg.test_dataloader.dataset.pipeline)
    loader['sampler'] = dict(type='DefaultSampler', shuffle=False)
    return loader


def main():
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        sys.exit(f'error: checkpoint {args.checkpoint!r} does not exist; '
                 'pass the .pth file written by the pretraining.')
    options = dict(args.cfg_options or {})
    options['model.backbone.init_cfg.checkpoint'] = args.checkpoint
    cfg = load_config(args.config, options)
    if not cfg.get('knn', {}).get('bank_dataloader'):
        raise ValueError(
            f'{args.config} has no knn.bank_dataloader: set it to the '
            'labelled training split, e.g. knn = dict(bank_dataloader='
            '{{_base_.train_dataloader}}).')
    try:  # the bank (train) and query (test) images, before any compute
        check_data(cfg, [cfg.knn.bank_dataloader, 'test_dataloader'])
    except DataInputError as error:
        sys.exit(f'error: {one_line(error)}')
    name = osp.splitext(osp.basename(args.config))[0]
    work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', name)
    out_dir = osp.join(work_dir, time.strftime('%Y%m%d_%H%M%S'))
    os.makedirs(out_dir, exist_ok=True)
    logger = MMLogger.get_instance('slimmm_knn', log_file=osp.join(
        out_dir, 'knn.log'))
    knn = dict(k=20, temperature=0.07, calibration_batches=10)
    knn.update(cfg.get('knn', {}))

    if cfg.get('default_scope'):
        from mmengine.registry import DefaultScope
        DefaultScope.get_instance(f'knn-{time.time()}',
                                  scope_name=cfg.default_scope)
    model = MODELS.build(cfg.model)
    model.init_weights()  # loads the backbone strictly, before any compute
    model.eval()
    seed = cfg.get('randomness', {}).get('seed', 0)
    if model.backbone.width_space.universal:
        model.calibrate_bn(Runner.build_dataloader(cfg.knn.bank_dataloader,
                                                   seed=seed),
                           knn['calibration_batches'])
    bank = Runner.build_dataloader(bank_loader_cfg(cfg), seed=seed)
    query = Runner.build_dataloader(cfg.test_dataloader, seed=seed)
    rows = knn_evaluate(model, bank, query, cfg.model.num_classes,
                        k=knn['k'], temperature=knn['temperature'])
    rows = add_complexity(rows, cfg.model.backbone,
                          int(cfg.get('crop_size', 224)),
                          cfg.model.num_classes)
    rows = [dict(width=r['width'], flops=r['flops'], params=r['params'],
                 top1=r['top1'], top5=r['top5']) for r in rows]
    paths = write_width_report(rows, out_dir, f'{name}_knn',
                               title=f'kNN (k={knn["k"]}) {name}')
    logger.info(f'kNN (k={knn["k"]}, T={knn["temperature"]}) per width:\n'
                f'{paths["table"]}saved to {out_dir}')
    print(paths['table'])


if __name__ == '__main__':
    main()
