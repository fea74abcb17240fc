"""Random state for runs that repeat exactly: one seed mixer, the process's
generator states, and the two Runner fields mmengine keeps private.

Used by :class:`slimmm.ExactResumeHook` (the model's random numbers per
iteration, the states saved in a checkpoint) and
:class:`slimmm.ReproducibleSampler` (each sample's augmentation)."""
import random
from typing import Dict

import numpy as np
import torch


def mixed_seed(*numbers: int) -> int:
    """A 63-bit seed from ``numbers`` (e.g. ``(seed, iteration, rank)`` or
    ``(seed, epoch, index)``): ``numpy.random.SeedSequence`` mixes them, so
    neighbouring iterations or indices get unrelated seeds."""
    words = np.random.SeedSequence(list(numbers)).generate_state(2)
    return int((int(words[0]) << 31) ^ int(words[1]))


def seed_all(seed: int) -> None:
    """Seed python's, numpy's and torch's (CPU and every CUDA device)
    global generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_states() -> Dict:
    """The process's python, numpy and torch (CPU, and CUDA once
    initialised) generator states."""
    states = dict(python=random.getstate(),
                  numpy=np.random.get_state(legacy=False),
                  torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: Dict) -> None:
    """Inverse of :func:`rng_states`."""
    python_state = states['python']
    # Pickled as lists by some loaders; random.setstate wants tuples.
    random.setstate((python_state[0], tuple(python_state[1]),
                     python_state[2]))
    np.random.set_state(states['numpy'])
    torch.set_rng_state(states['torch'])
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states['cuda'])


class seeded_generators:
    """Context manager: the global generators seeded with ``seed`` inside
    (:func:`seed_all`), their previous states back on exit."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __enter__(self) -> None:
        self._states = rng_states()
        seed_all(self.seed)

    def __exit__(self, *exc) -> None:
        set_rng_states(self._states)


# mmengine keeps these Runner settings in private fields and offers no
# public accessor (``runner.cfg`` is empty for a Runner built from
# arguments); reading them here keeps that in one place.
def resuming(runner) -> bool:
    """Whether ``runner`` resumes (``resume=True``) rather than loads
    weights only (``load_from``)."""
    return bool(getattr(runner, '_resume', False))


def rank_seeded(runner) -> bool:
    """Whether ``runner`` gives each rank its own seed
    (``randomness.diff_rank_seed``)."""
    randomness = getattr(runner, '_randomness_cfg', None) or {}
    return bool(randomness.get('diff_rank_seed'))
