"""mmseg's ``EncoderDecoder`` whose neck or heads follow the backbone's
width.

A per-width segmentation config changes one value,
``model.backbone.width=0.5``. Whatever reads the backbone's outputs and
leaves ``in_channels=None`` gets them from the backbone at that width, at
build time, before the stock segmentor builds its parts: the neck (Semantic
FPN's FPN), or without a neck the decode and auxiliary heads, each at its
``in_index`` (UperNet's ``UPerHead`` reads all four stages, its ``FCNHead``
auxiliary head stage 3). Heads behind a neck read the neck's fixed
channels, typed in the config. The built model (module names, checkpoint
keys) is exactly mmseg's.
"""
from typing import Dict, List, Optional, Union

from mmseg.models.segmentors import EncoderDecoder as MMSegEncoderDecoder

from ...registry import MODELS
from ..backbones.feature_channels import match_in_channels

HeadConfig = Union[Dict, List[Dict], None]


def _match_heads(backbone_cfg: Dict, heads: HeadConfig,
                 part_name: str) -> HeadConfig:
    """A head config (or mmseg's list of auxiliary heads) with
    ``in_channels=None`` filled from the backbone at each ``in_index``."""
    if isinstance(heads, (list, tuple)):
        return [match_in_channels(backbone_cfg, head, f'{part_name}.{i}',
                                  index_key='in_index')
                for i, head in enumerate(heads)]
    return match_in_channels(backbone_cfg, heads, part_name,
                             index_key='in_index')


def _untyped_heads(heads: HeadConfig, part_name: str) -> List[str]:
    heads_list = heads if isinstance(heads, (list, tuple)) else [heads]
    names = [part_name] if not isinstance(heads, (list, tuple)) else [
        f'{part_name}.{i}' for i in range(len(heads_list))]
    return [name for name, head in zip(names, heads_list)
            if head is not None and head.get('in_channels') is None]


def match_segmentor_to_backbone(backbone: Dict, decode_head: Dict,
                                neck: Optional[Dict] = None,
                                auxiliary_head: HeadConfig = None) -> Dict:
    """The neck and head configs of a segmentor with ``in_channels=None``
    filled from the backbone at its width.

    Args:
        backbone (dict): The slimmm backbone's config.
        decode_head (dict): The decode head's config.
        neck (dict, optional): The neck's config; with one, it follows the
            backbone and the heads keep their typed ``in_channels``.
        auxiliary_head (dict | list[dict], optional): Auxiliary head(s).

    Returns:
        dict: ``neck``, ``decode_head`` and ``auxiliary_head`` configs.

    Raises:
        ValueError: A head behind a neck with ``in_channels=None`` (the
            neck's channels are typed, not derived), or any case refused by
            :func:`~slimmm.models.backbones.match_in_channels`.
    """
    if neck is not None:
        untyped = _untyped_heads(decode_head, 'model.decode_head') + \
            _untyped_heads(auxiliary_head, 'model.auxiliary_head')
        if untyped:
            raise ValueError(
                f'{untyped[0]}.in_channels=None, but the head reads the neck '
                f'({neck.get("type")!r}), whose channels do not follow the '
                f'width: type {untyped[0]}.in_channels (the neck\'s '
                'out_channels).')
        return dict(neck=match_in_channels(backbone, neck, 'model.neck'),
                    decode_head=decode_head, auxiliary_head=auxiliary_head)
    return dict(neck=None,
                decode_head=_match_heads(backbone, decode_head,
                                         'model.decode_head'),
                auxiliary_head=_match_heads(backbone, auxiliary_head,
                                            'model.auxiliary_head'))


@MODELS.register_module()
class EncoderDecoder(MMSegEncoderDecoder):
    """mmseg's ``EncoderDecoder`` with the neck's or heads'
    ``in_channels=None`` taken from a slimmm backbone at its ``width``
    (``type='slimmm.EncoderDecoder'``).

    Args:
        backbone (dict): A slimmm backbone config (e.g.
            ``slimmm.SlimmableResNet`` with ``width=0.5``).
        decode_head (dict): mmseg decode head config.
        neck (dict, optional): mmseg neck config (e.g. ``FPN``).
        auxiliary_head (dict | list[dict], optional): Auxiliary head(s).
        **kwargs: The other ``EncoderDecoder`` arguments (``train_cfg``,
            ``test_cfg``, ``data_preprocessor``, ``init_cfg``, ...).
    """

    def __init__(self, backbone: Dict, decode_head: Dict,
                 neck: Optional[Dict] = None,
                 auxiliary_head: HeadConfig = None, **kwargs) -> None:
        if kwargs.get('pretrained') is not None:
            # mmseg would hand it to the backbone as ``pretrained=``, which
            # a slimmm backbone does not take: its weights come from the
            # slimmable checkpoint (init_cfg).
            raise ValueError(
                f'model.pretrained={kwargs["pretrained"]!r} (mmseg\'s '
                'ImageNet weights for its ResNetV1c) cannot load into '
                f'{backbone.get("type")!r}: set model.pretrained=None and '
                'give the slimmable checkpoint as model.backbone.init_cfg.')
        super().__init__(backbone=backbone,
                         **match_segmentor_to_backbone(
                             backbone, decode_head, neck, auxiliary_head),
                         **kwargs)
