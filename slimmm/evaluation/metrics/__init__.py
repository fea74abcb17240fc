from .per_width_accuracy import (PerWidthAccuracy, metric_prefix,
                                 topk_accuracy, width_of_key)

__all__ = ['PerWidthAccuracy', 'metric_prefix', 'topk_accuracy',
           'width_of_key']
