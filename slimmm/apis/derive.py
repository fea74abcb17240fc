"""Config values that follow from the backbone width.

A per-width detection config only says ``model.backbone.width=0.5``; the
neck's ``in_channels`` are computed here from the backbone itself, so they
are never typed per width. If a config types them anyway, they are checked
against the backbone at its width.
"""
from typing import Optional

from mmengine.config import Config


def _slimmm_backbone(backbone: dict) -> Optional[object]:
    """Build ``backbone`` (without loading weights) if it is a slimmm
    backbone; None for other libraries' backbones."""
    from slimmm.registry import MODELS
    import slimmm.models  # noqa: F401
    type_name = backbone.get('type')
    if not isinstance(type_name, str):
        return None
    name = type_name[len('slimmm.'):] if type_name.startswith(
        'slimmm.') else type_name
    # Look the class up in slimmm's own registry and call it directly: a
    # registry build would search the default scope (e.g. mmdet) first.
    cls = None if '.' in name else MODELS.module_dict.get(name)
    if cls is None:
        return None
    kwargs = {k: v for k, v in backbone.items() if k != 'type'}
    net = cls(**dict(kwargs, init_cfg=None))
    return net if hasattr(net, 'feature_channels') else None


def derive_from_width(cfg: Config) -> Config:
    """Fill ``model.neck.in_channels == 'from_backbone'`` from the backbone
    at its width, or check typed ``in_channels`` against it.

    Raises:
        ValueError: typed ``in_channels`` that a slimmm backbone at its width
            does not produce.
    """
    model = cfg.get('model')
    if not isinstance(model, dict):
        return cfg
    backbone, neck = model.get('backbone'), model.get('neck')
    if not isinstance(backbone, dict) or not isinstance(neck, dict):
        return cfg
    typed = neck.get('in_channels')
    if typed != 'from_backbone' and not isinstance(typed, (list, tuple)):
        return cfg
    net = _slimmm_backbone(backbone)
    if net is None:
        if typed == 'from_backbone':
            raise ValueError(
                f"model.neck.in_channels='from_backbone' needs a slimmm "
                f"backbone with feature_channels(); got type "
                f"{backbone.get('type')!r}. Type the in_channels instead.")
        return cfg
    channels = list(net.feature_channels())
    if typed == 'from_backbone':
        neck['in_channels'] = channels
    elif list(typed) != channels:
        width = backbone.get('width')
        raise ValueError(
            f'model.neck.in_channels={list(typed)} does not match the '
            f"backbone {backbone.get('type')} (depth "
            f"{backbone.get('depth', '-')}) at width {width}, whose outputs "
            f'{tuple(backbone.get("out_indices", ()))} have {channels} '
            "channels. Set model.neck.in_channels='from_backbone' so they "
            'follow the width, or type these numbers.')
    return cfg
