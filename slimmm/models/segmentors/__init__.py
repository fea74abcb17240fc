"""mmseg segmentors over slimmm backbones (one per file)."""
from .encoder_decoder import EncoderDecoder, match_segmentor_to_backbone

__all__ = ['EncoderDecoder', 'match_segmentor_to_backbone']
