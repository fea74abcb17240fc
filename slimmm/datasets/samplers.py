"""A data sampler whose augmentations are a function of (seed, epoch, index)
and that resumes in the middle of an epoch.

mmengine seeds the data pipeline once per process (and each worker with the
same seed in every epoch), so the random crops of a sample depend on how
many random numbers the process drew before: a resumed run, which skips the
model initialisation and part of the data, draws different ones. Here every
sample is transformed under generators seeded from ``(seed, epoch,
index)`` and the process's generators are put back afterwards, so the data
of iteration ``i`` is the same however the run got there (straight, resumed,
any number of workers), and loading data never changes the random numbers
the model draws.
"""
from typing import Iterator, List, Optional, Sequence

from mmengine.dataset import DefaultSampler

from ..registry import DATA_SAMPLERS
from ..utils.randomness import mixed_seed, seeded_generators
from .errors import DataInputError, sample_path


class SampleIndex(int):
    """A dataset index that carries the seed of its augmentations (an
    ``int`` subclass, so batch samplers such as mmdet's
    ``AspectRatioBatchSampler`` handle it as a plain index)."""

    def __new__(cls, index: int, seed: int) -> 'SampleIndex':
        obj = super().__new__(cls, index)
        obj.seed = seed
        return obj

    def __reduce__(self):
        # Sent to dataloader workers through a queue.
        return SampleIndex, (int(self), self.seed)


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """The seed of one sample's augmentation in one epoch."""
    return mixed_seed(seed, epoch, index)


class SeededFetch:
    """What the DataLoader calls to fetch a batch (``dataset.__getitems__``):
    each sample under its own seed; a sample that fails to load is named.
    """

    def __init__(self, dataset) -> None:
        self.dataset = dataset

    def __call__(self, indices: Sequence[int]) -> List:
        return [self.fetch(index) for index in indices]

    def fetch(self, index: int):
        seed = getattr(index, 'seed', None)
        try:
            if seed is None:
                return self.dataset[int(index)]
            with seeded_generators(seed):
                return self.dataset[int(index)]
        except (OSError, ValueError, AssertionError) as error:
            path = sample_path(self.dataset, int(index))
            if path is None:
                raise
            raise DataInputError(
                f'Cannot load sample {int(index)} ({path}): '
                f'{type(error).__name__}: {error}. Replace or delete the '
                'file (and its annotation), or regenerate the dataset.'
            ) from error


@DATA_SAMPLERS.register_module()
class ReproducibleSampler(DefaultSampler):
    """mmengine's ``DefaultSampler`` (same order of indices) whose samples
    are augmented under seeds of ``(seed, epoch, index)``, and that can
    start an epoch part-way (mid-epoch resume).

    torch's DataLoader fetches a batch through ``dataset.__getitems__`` when
    the dataset has one; the sampler installs :class:`SeededFetch` there,
    which is the one place that sees the indices it yields.

    Args:
        dataset: The dataset (given by the Runner).
        shuffle (bool): Shuffle each epoch. Defaults to True.
        seed (int, optional): Base seed (the Runner passes
            ``randomness.seed``).
        round_up (bool): Pad to a multiple of the world size.
    """

    def __init__(self, dataset, shuffle: bool = True,
                 seed: Optional[int] = None, round_up: bool = True) -> None:
        super().__init__(dataset, shuffle=shuffle, seed=seed,
                         round_up=round_up)
        dataset.__getitems__ = SeededFetch(dataset)
        self._skip = 0

    def skip(self, num_samples: int) -> None:
        """Start the next epoch after its first ``num_samples`` samples
        (of this rank), once: what an interrupted epoch already used."""
        if num_samples < 0:
            raise ValueError(f'Cannot skip {num_samples} samples.')
        self._skip = num_samples

    def __iter__(self) -> Iterator[SampleIndex]:
        indices = list(super().__iter__())[self._skip:]
        self._skip = 0
        for index in indices:
            yield SampleIndex(index, sample_seed(self.seed, self.epoch,
                                                 index))
