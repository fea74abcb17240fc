"""Every registered slimmable backbone with its shipped configs."""
import glob
import os.path as osp
from typing import Dict, List, Tuple

from mmengine.config import Config

from ..models.backbones.base import BaseSlimmableBackbone
from ..models.export import backbone_cfg_of
from ..registry import MODELS


def slimmable_backbone_classes() -> Dict[str, type]:
    """Registered names of the ``BaseSlimmableBackbone`` subclasses."""
    return {
        name: cls
        for name, cls in sorted(MODELS.module_dict.items())
        if isinstance(cls, type) and issubclass(cls, BaseSlimmableBackbone)
    }


def backbone_configs(config_dir: str) -> Dict[str, List[Tuple[str, Dict]]]:
    """Configs under ``config_dir`` by the backbone class they build:
    ``{class name: [(config path, backbone cfg), ...]}``."""
    found: Dict[str, List[Tuple[str, Dict]]] = {}
    for path in sorted(glob.glob(osp.join(config_dir, '*.py'))):
        backbone_cfg = backbone_cfg_of(Config.fromfile(path))
        name = backbone_cfg['type'].split('.')[-1]
        found.setdefault(name, []).append((path, backbone_cfg))
    return found
