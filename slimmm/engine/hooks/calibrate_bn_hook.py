"""BN recalibration per width before evaluation (US-Nets, used by US3L)."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...registry import HOOKS


@HOOKS.register_module()
class CalibrateBNHook(Hook):
    """Recompute the backbone's BN statistics at every evaluated width.

    A universally slimmable network trains with widths changing every
    iteration, so its running BN statistics describe no single width; they
    are recomputed per width from training batches (train-mode forward, no
    gradient, cumulative average) before the probe is trained and before
    each evaluation. The model (e.g. ``SwitchableLinearClassifier``) keeps
    one set of statistics per width and swaps it in when that width runs.

    Args:
        num_batches (int): Training batches averaged per width.
        only_universal (bool): Calibrate only universally slimmable
            backbones (switchable BN already keeps per-width statistics).
        dataloader (dict, optional): Loader for calibration; defaults to
            the config's ``train_dataloader``.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, num_batches: int = 10, only_universal: bool = True,
                 dataloader: Optional[dict] = None):
        self.num_batches = int(num_batches)
        self.only_universal = only_universal
        self.dataloader = dataloader
        self._loader = None

    def _calibrate(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        if not hasattr(model, 'calibrate_bn'):
            raise TypeError(f'{type(model).__name__} has no calibrate_bn(); '
                            'CalibrateBNHook needs a per-width model such as '
                            'slimmm.SwitchableLinearClassifier.')
        if self.only_universal and \
                not model.backbone.width_space.universal:
            return
        if getattr(model.backbone, 'is_static', False):
            return  # one width fine-tuned: its BN tracked that width itself
        if model.frozen_backbone and set(model._bn_states) == set(
                model.width_keys):
            return  # a frozen backbone's statistics cannot have changed
        if self._loader is None:
            from mmengine.runner import Runner
            cfg = self.dataloader or runner.cfg.get('train_dataloader')
            if cfg is None:
                raise ValueError('CalibrateBNHook needs training batches: '
                                 'give it dataloader=... or keep '
                                 'train_dataloader in the config.')
            self._loader = Runner.build_dataloader(cfg, seed=runner.seed)
        model.calibrate_bn(self._loader, self.num_batches)
        runner.logger.info(
            f'Recalibrated BN statistics at widths {model.widths} '
            f'({self.num_batches} batches each).')

    def before_train(self, runner) -> None:
        self._calibrate(runner)

    def before_val_epoch(self, runner) -> None:
        self._calibrate(runner)

    def before_test_epoch(self, runner) -> None:
        self._calibrate(runner)
