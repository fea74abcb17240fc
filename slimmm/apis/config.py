"""Config helpers shared by the tools (train, test, benchmarks)."""
import argparse
import os
from typing import Optional

from mmengine.config import Config, DictAction


def parse_run_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add the options tools/train.py and tools/test.py share (work dir,
    config overrides, launcher), parse, and export ``LOCAL_RANK`` for
    launchers that pass ``--local-rank`` instead of setting it."""
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. '
                        'model.backbone.width=0.5')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_run_config(path: str, cfg_options: Optional[dict] = None,
                    work_dir: Optional[str] = None,
                    launcher: str = 'none') -> Config:
    """What tools/train.py and tools/test.py share: the config with its
    overrides, the launcher (a gloo group on machines without a GPU), and
    the work dir (``--work-dir``, else the config's, else
    ``work_dirs/<config name>``)."""
    import os.path as osp

    from .cpu_dist import init_cpu_distributed
    cfg = load_config(path, cfg_options)
    cfg.launcher = launcher
    init_cpu_distributed(launcher)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config and merge command-line overrides, as mmengine does,
    plus three conveniences of slimmm's own tools that no config depends
    on: ``data_root=DIR`` reaches every dataset and metric, SyncBN becomes
    BN for several CPU processes, and NCCL becomes gloo without CUDA."""
    cfg = Config.fromfile(path)
    old_root = cfg.get('data_root')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
        new_root = cfg.get('data_root')
        if isinstance(old_root, str) and old_root and new_root != old_root:
            follow_data_root(cfg, old_root, new_root)
    from .cpu_dist import fallback_sync_bn_without_gpu
    fallback_sync_bn_without_gpu(cfg)
    resolve_dist_backend(cfg)
    return cfg


def resolve_dist_backend(cfg: Config) -> Config:
    """Use gloo instead of nccl on machines without CUDA, so the same config
    runs ``tools/dist_train.sh CONFIG 2`` on a CPU box (a config cannot
    import torch to decide this itself)."""
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg')
    if isinstance(dist_cfg, dict) and dist_cfg.get('backend') == 'nccl':
        import torch
        if not torch.cuda.is_available():
            dist_cfg['backend'] = 'gloo'
    return cfg


def follow_data_root(cfg: Config, old_root: str, new_root: str) -> Config:
    """Make ``--cfg-options data_root=DIR`` reach every dataset and metric.

    mmengine substitutes a config's ``data_root`` variable while reading the
    file, so overriding the top-level key alone would change nothing; every
    string that was built from the old root is re-rooted here instead.
    """
    def visit(node):
        if isinstance(node, dict):
            for key, value in node.items():
                node[key] = visit(value)
            return node
        if isinstance(node, list):
            return [visit(item) for item in node]
        if isinstance(node, tuple):
            return tuple(visit(item) for item in node)
        if isinstance(node, str) and node.startswith(old_root):
            return new_root + node[len(old_root):]
        return node

    for key in list(cfg.keys()):
        if key != 'data_root':
            cfg[key] = visit(cfg[key])
    return cfg
