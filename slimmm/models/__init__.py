from .backbones import *  # noqa: F401,F403
from .ops import *  # noqa: F401,F403
