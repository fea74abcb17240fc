from .group_regularization import (GroupRegularizationOptimWrapperConstructor,
                                   group_decay_factors,
                                   group_regularized_params)

__all__ = [
    'GroupRegularizationOptimWrapperConstructor', 'group_decay_factors',
    'group_regularized_params'
]
