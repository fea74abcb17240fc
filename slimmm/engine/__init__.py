"""Training-loop components: hooks, loops, optimizer wrapper constructors."""
from .hooks import *  # noqa: F401,F403
from .loops import PerWidthTestLoop, PerWidthValLoop  # noqa: F401
from .model_wrappers import SubnetDistributedDataParallel  # noqa: F401
from .optimizers import *  # noqa: F401,F403
