"""slimmm: slimmable self-supervised pretraining and per-width transfer on
the OpenMMLab stack."""
from .utils.safe_load import allow_mmengine_checkpoint_types
from .version import __version__

allow_mmengine_checkpoint_types()

from . import engine, models  # noqa: E402,F401  (registers the modules)

__all__ = ['__version__']
