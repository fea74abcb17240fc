"""Makes ``--resume`` continue exactly as an uninterrupted run would."""
from typing import Dict, Optional

from mmengine.dataset import DefaultSampler
from mmengine.dist import get_rank
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop

from ...datasets.samplers import ReproducibleSampler
from ...registry import HOOKS
from ...utils.randomness import (mixed_seed, rank_seeded, resuming, rng_states,
                                 seed_all, set_rng_states)
from .checkpoint_hook import AtomicCheckpointHook

#: Checkpoint ``meta`` key of what this hook saves.
META_KEY = 'exact_resume'


def reproducible_training_sampler(loader):
    """Make ``loader`` draw from a :class:`ReproducibleSampler` with the
    settings of its mmengine ``DefaultSampler`` (same indices in the same
    order); returns the sampler it draws from (unchanged for any other
    sampler, or a batch sampler without a ``sampler``)."""
    batch_sampler = getattr(loader, 'batch_sampler', None)
    sampler = getattr(batch_sampler, 'sampler', None)
    if type(sampler) is not DefaultSampler:
        return sampler if sampler is not None else loader.sampler
    reproducible = ReproducibleSampler(
        sampler.dataset, shuffle=sampler.shuffle, seed=sampler.seed,
        round_up=sampler.round_up)
    reproducible.set_epoch(sampler.epoch)
    batch_sampler.sampler = reproducible
    return reproducible


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Resume anywhere (epoch boundary or mid-epoch, after a SIGKILL) and get
    the losses of the uninterrupted run: slimmm's one switch for
    reproducible runs,
    ``custom_hooks = [dict(type='slimmm.ExactResumeHook')]``.

    Three things make a resumed run diverge in plain mmengine, and this hook
    removes each:

    * The model's random numbers depend on everything drawn before (the
      weight initialisation a resumed run also performs, the DataLoader's
      base seed drawn at every epoch): before each iteration the python,
      numpy and torch generators are seeded from ``(seed, iteration)``
      (and the rank with ``randomness.diff_rank_seed``). The states at
      the checkpoint are saved too and restored on load.
    * The data augmentation depends on the same history: the training
      loader's mmengine ``DefaultSampler`` is replaced by
      :class:`slimmm.datasets.ReproducibleSampler` (same indices), which
      seeds each sample from ``(seed, epoch, index)``.
    * ``EpochBasedTrainLoop`` restarts an interrupted epoch from its first
      batch: the checkpoint records how many batches of the epoch were
      used, and the sampler skips them. (``IterBasedTrainLoop`` skips them
      itself.)

    And a kill during a save could leave nothing complete to resume from:
    the config's mmengine ``CheckpointHook`` is replaced by
    :class:`slimmm.AtomicCheckpointHook` with the same settings.

    The replacements use public state only: ``runner.hooks`` (the list the
    Runner calls) and the DataLoader's ``batch_sampler.sampler`` (torch's
    DataLoader allows no new ``sampler`` once built; its ``sampler``
    attribute then keeps the old one, which mmengine's
    ``DistSamplerSeedHook`` still advances, so this hook advances the new
    one's epoch itself).

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
        self._sampler = None

    # ---- the atomic checkpoint hook and the reproducible sampler --------
    def before_run(self, runner) -> None:
        # Before the checkpoint hook's own before_run (its priority is
        # lower), which picks the checkpoint to resume from.
        hooks = runner.hooks
        for index, hook in enumerate(hooks):
            if type(hook) is CheckpointHook:
                hooks[index] = AtomicCheckpointHook.from_hook(hook)

    def training_sampler(self, runner):
        """The sampler the training loader draws from, a
        :class:`ReproducibleSampler` in place of a ``DefaultSampler`` (done
        once, before the first epoch or checkpoint load)."""
        if self._sampler is None:
            self._sampler = reproducible_training_sampler(
                runner.train_loop.dataloader)
        return self._sampler

    def before_train(self, runner) -> None:
        self.training_sampler(runner)

    # ---- every iteration ------------------------------------------------
    def before_train_epoch(self, runner) -> None:
        sampler = self.training_sampler(runner)
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(runner.epoch)
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
        sampler = self.training_sampler(runner)
        batch_size = runner.train_loop.dataloader.batch_size
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
                "run does). Use mmengine's DefaultSampler (slimmm makes it "
                'reproducible).', logger='current', level=30)
            return
        sampler.skip(used * batch_size)
        print_log(f'Resuming inside epoch {epoch + 1}: its first {used} '
                  'batches were used before the checkpoint; skipped.',
                  logger='current')
