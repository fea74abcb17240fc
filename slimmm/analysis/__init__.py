"""Per-width analysis of slimmable backbones (params, FLOPs, speed)."""
from .complexity import (DEFAULT_UNIVERSAL_WIDTHS, ClassifierProbe,
                         backbone_complexity, complexity_table,
                         eval_input_shape, model_complexity,
                         widths_to_evaluate)

__all__ = [
    'DEFAULT_UNIVERSAL_WIDTHS', 'ClassifierProbe', 'backbone_complexity',
    'complexity_table', 'widths_to_evaluate', 'model_complexity',
    'eval_input_shape'
]
