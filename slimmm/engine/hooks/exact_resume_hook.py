"""Makes ``--resume`` continue exactly as an uninterrupted run would."""
from typing import Dict, Optional

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop

from ...registry import HOOKS
from ...utils.randomness import (mixed_seed, rank_seeded, resuming, rng_states,
                                 seed_all, set_rng_states)

#: Checkpoint ``meta`` key of what this hook saves.
META_KEY = 'exact_resume'


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Resume anywhere (epoch boundary or mid-epoch, after a SIGKILL) and get
    the losses of the uninterrupted run.

    Three things make a resumed run diverge in plain mmengine, and this hook
    (with :class:`slimmm.datasets.ReproducibleSampler`) removes each:

    * The model's random numbers depend on everything drawn before (the
      weight initialisation a resumed run also performs, the DataLoader's
      base seed drawn at every epoch): before each iteration the python,
      numpy and torch generators are seeded from ``(seed, iteration)``
      (and the rank with ``randomness.diff_rank_seed``). The states at
      the checkpoint are saved too and restored on load.
    * The data augmentation depends on the same history: the sampler seeds
      each sample from ``(seed, epoch, index)``.
    * ``EpochBasedTrainLoop`` restarts an interrupted epoch from its first
      batch: the checkpoint records how many batches of the epoch were
      used, and the sampler skips them. (``IterBasedTrainLoop`` skips them
      itself.)

    Args:
        reseed_every_iter (bool): Seed the generators before every
            iteration. Defaults to True.
    """

    # Before any hook (or the model) draws a random number in an iteration.
    priority = 'HIGHEST'

    def __init__(self, reseed_every_iter: bool = True) -> None:
        self.reseed_every_iter = reseed_every_iter
        self._epoch_start_iter = 0
        self._epoch = None

    # ---- every iteration ------------------------------------------------
    def before_train_epoch(self, runner) -> None:
        if self._epoch != runner.epoch:  # not the resumed, partial epoch
            self._epoch, self._epoch_start_iter = runner.epoch, runner.iter

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if not self.reseed_every_iter:
            return
        rank = get_rank() if rank_seeded(runner) else 0
        seed_all(mixed_seed(runner.seed, runner.iter, rank))

    # ---- checkpoints ----------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        meta = checkpoint.setdefault('meta', {})
        # meta['epoch'] is the epoch to resume in (already advanced when
        # saved at the end of an epoch); batches of it already used:
        used = meta.get('iter', runner.iter) - self._epoch_start_iter
        if meta.get('epoch', runner.epoch) != self._epoch:
            used = 0
        meta[META_KEY] = dict(rng_states=rng_states(), epoch_batches=used)

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        state: Optional[Dict] = checkpoint.get('meta', {}).get(META_KEY)
        if state is None or not resuming(runner):
            return  # loading weights (load_from), not resuming
        set_rng_states(state['rng_states'])
        loader = runner.train_loop.dataloader
        sampler, batch_size = loader.sampler, loader.batch_size
        saved_seed = checkpoint['meta'].get('seed')
        if saved_seed is not None and hasattr(sampler, 'seed'):
            # randomness.seed=None draws a new seed in every process.
            sampler.seed = saved_seed
        used = int(state['epoch_batches'])
        epoch = checkpoint['meta'].get('epoch', 0)
        self._epoch = epoch
        self._epoch_start_iter = checkpoint['meta'].get('iter', 0) - used
        if used == 0 or isinstance(runner.train_loop, IterBasedTrainLoop):
            return
        if not hasattr(sampler, 'skip') or batch_size is None:
            print_log(
                f'Resuming inside epoch {epoch + 1} after {used} batches, '
                f'but {type(sampler).__name__} cannot skip them: the epoch '
                'restarts from its first batch (not what an uninterrupted '
                "run does). Use sampler=dict(type='slimmm."
                "ReproducibleSampler').", logger='current', level=30)
            return
        sampler.skip(used * batch_size)
        print_log(f'Resuming inside epoch {epoch + 1}: its first {used} '
                  'batches were used before the checkpoint; skipped.',
                  logger='current')
