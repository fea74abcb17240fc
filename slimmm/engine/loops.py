"""Val / test loops that evaluate every width of a slimmable model in one
run, with the config's stock metrics (``CocoMetric``, ``VOCMetric``, ...).

Each width runs the whole dataloader and its own ``evaluator.evaluate``
(the stock metrics reset their results there); its metric keys get the
width's prefix, e.g. ``width_0.5/coco/bbox_mAP``, which
:class:`~slimmm.engine.hooks.WidthReportHook` turns into the per-width
table, CSV and plot. Configs name them ``val_cfg=dict(
type='slimmm.PerWidthValLoop')`` / ``test_cfg=dict(
type='slimmm.PerWidthTestLoop')``.
"""
from typing import Dict, List, Optional, Sequence

from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop, ValLoop

from ..models.ops import calibrate_bn, metric_prefix, using_width
from ..registry import LOOPS


class PerWidthEvalMixin:
    """The per-width evaluation shared by the val and test loops."""

    def _init_widths(self, widths: Optional[Sequence[float]],
                     calibrate_batches: int) -> None:
        self.widths = None if widths is None else [float(w) for w in widths]
        if calibrate_batches < 0:
            raise ValueError(f'calibrate_batches must be >= 0, got '
                             f'{calibrate_batches}.')
        self.calibrate_batches = calibrate_batches

    def _model(self):
        model = self.runner.model
        return model.module if is_model_wrapper(model) else model

    def _widths(self) -> List[float]:
        model = self._model()
        widths = self.widths or getattr(model, 'eval_widths', None)
        if not widths:
            raise ValueError(
                f'{type(self).__name__} needs widths=[...] or a model with '
                f'eval_widths (e.g. slimmm.JointMaskRCNN); '
                f'{type(model).__name__} has none.')
        return [model.check_width(w) for w in widths]

    def _calibrate(self, width: float) -> None:
        """Recompute shared (sliced) BN statistics at ``width`` on training
        batches: a universally slimmable backbone has no per-width
        statistics of its own."""
        model = self._model()
        loader = self.runner.train_dataloader
        batches = (model.data_preprocessor(batch, True)['inputs']
                   for batch in loader)
        calibrate_bn(model.backbone, batches, width,
                     num_batches=self.calibrate_batches)

    def run_widths(self, phase: str) -> Dict[str, float]:
        self.runner.call_hook(f'before_{phase}')
        self.runner.call_hook(f'before_{phase}_epoch')
        self.runner.model.eval()
        model = self._model()
        metrics: Dict[str, float] = {}
        for width in self._widths():
            if self.calibrate_batches:
                self._calibrate(width)
                self.runner.model.eval()
            with using_width(model, width):
                for index, data_batch in enumerate(self.dataloader):
                    self.run_iter(index, data_batch)
            results = self.evaluator.evaluate(len(self.dataloader.dataset))
            metrics.update({f'{metric_prefix(width)}/{key}': value
                            for key, value in results.items()})
        self.runner.call_hook(f'after_{phase}_epoch', metrics=metrics)
        self.runner.call_hook(f'after_{phase}')
        return metrics


@LOOPS.register_module()
class PerWidthValLoop(PerWidthEvalMixin, ValLoop):
    """``ValLoop`` over every width.

    Args:
        runner, dataloader, evaluator, fp16: as ``ValLoop``.
        widths (Sequence[float], optional): Widths to evaluate (default:
            the model's ``eval_widths``).
        calibrate_batches (int): Before each width, recompute its BN
            statistics on this many training batches (universally
            slimmable backbones); 0 (default) keeps the stored ones.
    """

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 widths: Optional[Sequence[float]] = None,
                 calibrate_batches: int = 0):
        super().__init__(runner, dataloader, evaluator, fp16)
        self._init_widths(widths, calibrate_batches)

    def run(self) -> Dict[str, float]:
        return self.run_widths('val')


@LOOPS.register_module()
class PerWidthTestLoop(PerWidthEvalMixin, TestLoop):
    """``TestLoop`` over every width; arguments as
    :class:`PerWidthValLoop`."""

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False,
                 widths: Optional[Sequence[float]] = None,
                 calibrate_batches: int = 0):
        super().__init__(runner, dataloader, evaluator, fp16)
        self._init_widths(widths, calibrate_batches)

    def run(self) -> Dict[str, float]:
        return self.run_widths('test')
