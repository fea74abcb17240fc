"""Converters of the papers' released checkpoints to slimmm checkpoints."""
from .common import Conversion, ConversionError, save_converted, summary
from .slimclr import SLIMCLR_LAYOUTS, convert_slimclr, detect_slimclr_layout
from .us3l import convert_us3l

__all__ = [
    'Conversion', 'ConversionError', 'save_converted', 'summary',
    'SLIMCLR_LAYOUTS', 'convert_slimclr', 'detect_slimclr_layout',
    'convert_us3l'
]
