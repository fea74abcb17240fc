"""Feeds the training progress to the width sampler of the model."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...registry import HOOKS


@HOOKS.register_module()
class WidthScheduleHook(Hook):
    """Before every train iteration, call ``model.set_progress(runner.iter,
    runner.max_iters)``.

    The width schedule (slow start, dynamic sampling, sandwich warm-up) is a
    function of the iteration only, and ``runner.iter`` is restored by
    ``--resume``, so a resumed run samples the same sub-networks as an
    uninterrupted one. Models without ``set_progress`` are left alone.
    """

    # Before anything else in the iteration that might read the schedule.
    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        set_progress = getattr(model, 'set_progress', None)
        if set_progress is not None:
            set_progress(runner.iter, runner.max_iters)
