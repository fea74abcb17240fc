"""Running shipped configs the way a user of mmdet / mmpretrain / mmseg
does: the
stock ``<package>/.mim/tools/{train,test}.py``, only ``--cfg-options`` to
shorten the run, nothing of slimmm reading the config."""
import glob
import importlib
import json
import os.path as osp
import runpy
import sys
from typing import Dict, List, Sequence


def stock_tool(package: str, tool: str) -> str:
    """Path of a tool shipped inside ``package`` (mmdet, mmpretrain,
    mmseg)."""
    module = importlib.import_module(package)
    return osp.join(osp.dirname(module.__file__), '.mim', 'tools', tool)


def run_stock_tool(script: str, args: Sequence) -> None:
    """``python <script> <args>`` in this process (as a user runs it, minus
    the interpreter start-up), from the current directory."""
    argv = sys.argv
    sys.argv = [script] + [str(a) for a in args]
    try:
        runpy.run_path(script, run_name='__main__')
    finally:
        sys.argv = argv


def is_joint(cfg) -> bool:
    """A joint-protocol detection config: one detector trained at all
    widths (``slimmm.JointMaskRCNN`` / ``slimmm.JointFasterRCNN``), so no
    width override."""
    return 'Joint' in str(cfg.model.get('type'))


def two_iteration_options(cfg) -> Dict:
    """Stock ``--cfg-options`` that cut a tiny run to two training
    iterations (of 4 images for epoch-based configs) and a validation of 4
    images."""
    options = {'default_hooks.logger.interval': 1, 'log_level': 'WARNING'}
    if cfg.get('visualizer'):
        # One process runs several configs: a visualizer named as another
        # run's would be that run's (and write its logs there).
        options['visualizer.name'] = osp.basename(cfg.filename)
    if cfg.train_cfg.get('type') == 'IterBasedTrainLoop':
        options.update({'train_cfg.max_iters': 2,
                        'train_cfg.val_interval': 2,
                        'default_hooks.checkpoint.interval': 2})
    else:
        options.update({'train_dataloader.batch_size': 4,
                        'train_dataloader.dataset.indices': 8,
                        'train_cfg.max_epochs': 1,
                        # Saving is mmengine's; only detection checks it.
                        'default_hooks.checkpoint': None})
    if cfg.get('val_dataloader'):
        options['val_dataloader.dataset.indices'] = 4
    if cfg.default_scope in ('mmdet', 'mmseg') and not is_joint(cfg):
        options['model.backbone.width'] = 0.5  # the one width override
    init = cfg.model.backbone.get('init_cfg') or {}
    if 'ViT' in cfg.model.backbone.type and init:
        # No ViT pretraining in the README's layout: a random initialisation,
        # the override the ViT configs document.
        options['model.backbone.init_cfg'] = None
    elif init.get('type') == 'Pretrained' and init.get('checkpoint') is None:
        # Probes: the pretraining checkpoint the README passes.
        name = 'slimmable' if cfg.model.backbone.get('widths') else 'us'
        options['model.backbone.init_cfg.checkpoint'] = \
            f'work_dirs/main_job/pretrain/{name}-r18.pth'
    return options


def logged_records(work_dir: str) -> List[Dict]:
    """What mmengine logged to ``<work_dir>/<timestamp>/vis_data``."""
    path, = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        return [json.loads(line) for line in f]
