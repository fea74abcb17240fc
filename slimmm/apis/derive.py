"""Config values that follow from the backbone width.

A per-width detection config only says ``model.backbone.width=0.5``; the
neck's ``in_channels`` are computed here from the backbone itself, so they
are never typed per width.
"""
from mmengine.config import Config


def derive_from_width(cfg: Config) -> Config:
    model = cfg.get('model')
    if not isinstance(model, dict):
        return cfg
    backbone, neck = model.get('backbone'), model.get('neck')
    if not isinstance(backbone, dict) or not isinstance(neck, dict):
        return cfg
    if neck.get('in_channels') != 'from_backbone':
        return cfg
    from slimmm.registry import MODELS
    import slimmm.models  # noqa: F401
    probe = dict(backbone, init_cfg=None)
    probe['type'] = probe['type'].replace('slimmm.', '')
    net = MODELS.build(probe)
    neck['in_channels'] = net.feature_channels()
    return cfg
