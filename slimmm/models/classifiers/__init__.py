from .switchable_linear import (SwitchableLinearClassifier, soft_cross_entropy,
                                switchable_probe_losses)

__all__ = ['SwitchableLinearClassifier', 'soft_cross_entropy',
           'switchable_probe_losses']
