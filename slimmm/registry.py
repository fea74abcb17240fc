"""slimmm's registries, children of mmengine's root registries.

Because they are children, stock mmdet / mmpretrain builders find slimmm's
modules either with a scope prefix (``type='slimmm.SlimmableResNet'``, which
makes mmengine import this file and the ``locations`` below) or after
``custom_imports=dict(imports=['slimmm'])``.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope='slimmm',
    locations=['slimmm.models'])
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope='slimmm',
    locations=['slimmm.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope='slimmm',
    locations=['slimmm.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='slimmm',
    locations=['slimmm.datasets'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope='slimmm',
    locations=['slimmm.engine'])
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope='slimmm',
    locations=['slimmm.evaluation'])
OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS, scope='slimmm',
    locations=['slimmm.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope='slimmm',
    locations=['slimmm.engine'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope='slimmm',
    locations=['slimmm.engine'])
LOOPS = Registry(
    'loop', parent=MMENGINE_LOOPS, scope='slimmm',
    locations=['slimmm.engine'])
