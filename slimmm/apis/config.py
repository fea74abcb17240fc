"""Config helpers shared by the tools (train, test, benchmarks)."""
from typing import Optional

from mmengine.config import Config, DictAction  # noqa: F401


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config, merge command-line overrides, then derive what follows
    from the width (e.g. FPN ``in_channels`` of a fixed-width backbone)."""
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    from .derive import derive_from_width
    derive_from_width(cfg)
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
