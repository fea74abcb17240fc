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
    return cfg
