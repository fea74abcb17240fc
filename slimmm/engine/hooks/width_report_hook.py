"""Write the per-width result table / CSV / plot at the end of evaluation."""
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmengine.hooks import Hook

from ...models.ops import split_metric_key
from ...registry import HOOKS


def rows_from_metrics(metrics: Dict[str, float],
                      columns: Optional[Dict[str, str]] = None
                      ) -> List[Dict]:
    """``{'width_0.5/accuracy/top1': 61.0, ...}`` -> one row per width
    (``{'width': 0.5, 'top1': 61.0, ...}``; the last key part names the
    column). With ``columns`` (metric key -> column, e.g.
    ``{'coco/bbox_mAP': 'AP_bb'}``) only those metrics are kept, in
    percent, as the detection protocols report them."""
    rows: Dict[float, Dict] = {}
    for key, value in metrics.items():
        split = split_metric_key(key)
        if split is None:
            continue
        width, metric = split
        row = rows.setdefault(width, {'width': width})
        if columns is None:
            row[metric.split('/')[-1]] = value
        elif metric in columns:
            value = float(value)
            row[columns[metric]] = value if math.isnan(value) \
                else round(100 * value, 2)
    return sorted(rows.values(), key=lambda r: -r['width'])


def add_complexity(rows: List[Dict], backbone_cfg: Dict, input_size: int,
                   num_classes: int = 1000) -> List[Dict]:
    """Add the params / FLOPs of the static network of each row's width
    (backbone + pooling + linear classifier; mmengine's counter, via
    :func:`slimmm.analysis.backbone_complexity`)."""
    from slimmm.analysis import backbone_complexity
    cfg = dict(backbone_cfg, init_cfg=None)  # shapes only, no checkpoint
    costs = backbone_complexity(cfg, [r['width'] for r in rows],
                                input_size=input_size,
                                num_classes=num_classes)
    for row, cost in zip(rows, costs):
        row['flops'], row['params'] = cost['flops'], cost['params']
    return rows


@HOOKS.register_module()
class WidthReportHook(Hook):
    """Log and save the per-width metrics as Markdown, CSV and a PNG plot of
    each metric against FLOPs and params.

    Files go to the run's log directory (``work_dir/<timestamp>/``), so a
    new run never overwrites an earlier report.

    Args:
        name (str, optional): File stem; defaults to the config's file name.
        input_size (int, optional): Square input size at which FLOPs are
            counted; defaults to the config's ``crop_size`` (else 224).
        on (Sequence[str]): ``'val'`` and / or ``'test'``: after which
            evaluations to write (val reports are overwritten by later val
            epochs of the same run and keep the last).
        with_complexity (bool): Add ``flops`` / ``params`` columns.
        metric_columns (str, optional): ``'detection'``: report the mmdet
            COCO / VOC metrics as the detection transfer runner does
            (``AP_bb``, ``AP_mk``, ``mAP`` ... in percent).
        extra (dict, optional): Constant columns added to every row, e.g.
            ``dict(protocol='joint')``.
    """

    priority = 'LOW'

    def __init__(self, name: Optional[str] = None,
                 input_size: Optional[int] = None,
                 on: Sequence[str] = ('val', 'test'),
                 with_complexity: bool = True,
                 metric_columns: Optional[str] = None,
                 extra: Optional[Dict] = None):
        from slimmm.evaluation.reports import DETECTION_COLUMNS
        presets = dict(detection=DETECTION_COLUMNS)
        if metric_columns is not None and metric_columns not in presets:
            raise ValueError(f'metric_columns must be one of '
                             f'{sorted(presets)} or None, got '
                             f'{metric_columns!r}.')
        self.columns = presets.get(metric_columns)
        self.extra = dict(extra or {})
        self.name, self.input_size = name, input_size
        self.on = tuple(on)
        self.with_complexity = with_complexity
        self._costs: Optional[Dict[float, Dict]] = None
        self.last_paths: Optional[Dict[str, str]] = None

    def before_run(self, runner) -> None:
        if self.name is None:
            filename = getattr(runner.cfg, 'filename', None) or 'per_width'
            self.name = osp.splitext(osp.basename(filename))[0]
        if self.input_size is None:
            self.input_size = int(runner.cfg.get('crop_size', 224))

    def _report(self, runner, metrics: Optional[Dict], phase: str) -> None:
        rows = rows_from_metrics(metrics or {}, self.columns)
        if not rows:
            runner.logger.warning(
                'WidthReportHook: no width_<w>/... metric to report; use a '
                'per-width metric such as slimmm.PerWidthAccuracy.')
            return
        if self.with_complexity:
            if self._costs is None:  # the network does not change; once
                done = add_complexity(
                    [dict(width=r['width']) for r in rows],
                    runner.cfg.model.backbone, self.input_size,
                    runner.cfg.model.get('num_classes', 1000))
                self._costs = {r['width']: r for r in done}
            rows = [dict(width=row['width'],
                         flops=self._costs.get(row['width'], {}).get('flops'),
                         params=self._costs.get(row['width'],
                                                {}).get('params'), **{
                             k: v for k, v in row.items() if k != 'width'})
                    for row in rows]
        rows = [dict(row, **self.extra) for row in rows]
        from slimmm.evaluation.reports import write_width_report
        name = f'{self.name}_{phase}'
        y_keys = None
        if self.columns is not None:
            y_keys = [c for c in ('AP_bb', 'AP_mk', 'mAP', 'AP50')
                      if any(c in row for row in rows)] or None
        paths = write_width_report(rows, runner.log_dir, name,
                                   y_keys=y_keys,
                                   title=f'{self.name} ({phase})')
        self.last_paths = paths
        runner.logger.info(f'Per-width results ({phase}):\n{paths["table"]}'
                           f'saved to {osp.splitext(paths["csv"])[0]}'
                           '.{md,csv,png}')

    def after_val_epoch(self, runner, metrics=None) -> None:
        if 'val' in self.on:
            self._report(runner, metrics, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        if 'test' in self.on:
            self._report(runner, metrics, 'test')
