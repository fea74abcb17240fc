"""Detection / instance segmentation / semantic segmentation transfer of a
slimmable checkpoint, one fine-tuning per width, and one table at the end:
the in-process part (each width's config, reading its metrics, the
per-width report). Launching
the runs as processes is ``tools/benchmarks/transfer_runs.py``.

The papers transfer every width of one pretrained slimmable network
(SlimCLR Table 2 and US3L Table 5: Mask R-CNN R-50-FPN 1x on COCO; DSPNet
Fig. 6: Mask R-CNN FPN 2x; US3L Fig. 3/4: Faster R-CNN FPN on VOC 07+12;
beyond the papers, UperNet on ADE20K and Semantic FPN on Cityscapes).
Each width is an ordinary mmdet / mmseg run of the same config with
``model.backbone.width=w``: the backbone is cut to that width out of the
slimmable checkpoint and everything (BN included) is fine-tuned.

The runner (``tools/benchmarks/transfer.py``) checks all inputs first,
then trains and evaluates each width in its own work dir
(``<work_dir>/width_<w>/``) and ends with
``transfer_results.{md,csv,png}``: AP (or mIoU) against params and FLOPs
per width.
"""
import glob
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config

from ..datasets import redirect_data_root
from ..evaluation.reports import DETECTION_COLUMNS, SEGMENTATION_COLUMNS
from ..models.ops import split_metric_key
from .config import load_config

#: Logged metric key -> report column: mmdet's and mmseg's (a run logs the
#: keys of its own metric; the report keeps the columns that were logged).
METRIC_COLUMNS = {**DETECTION_COLUMNS, **SEGMENTATION_COLUMNS}
#: Keys logged in percent already (mmseg's); mmdet logs AP in [0, 1].
LOGGED_IN_PERCENT = frozenset(SEGMENTATION_COLUMNS)


def width_dir_name(width: float) -> str:
    return 'width_' + f'{float(width):g}'.replace('.', '_')


def width_configs(config: str, checkpoint: Optional[str],
                  widths: Sequence[float],
                  cfg_options: Optional[Dict] = None,
                  data_root: Optional[str] = None) -> List[Config]:
    """The config of each width: ``model.backbone.width`` and the
    checkpoint set (the detector derives the neck's ``in_channels``)."""
    cfgs = []
    for width in widths:
        options = dict(cfg_options or {})
        options['model.backbone.width'] = float(width)
        if checkpoint is not None:
            options['model.backbone.init_cfg.checkpoint'] = checkpoint
        cfg = load_config(config, options)
        if data_root is not None:
            redirect_data_root(cfg, data_root)
        cfgs.append(cfg)
    return cfgs


# ---- reading results ----------------------------------------------------
def _json_lines(path: str) -> List[Dict]:
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    return rows


def _is_metric_key(key: str) -> bool:
    # A joint run logs every width's metrics under its prefix
    # (width_0.5/coco/bbox_mAP).
    split = split_metric_key(key)
    return (key if split is None else split[1]) in METRIC_COLUMNS


def read_eval_metrics(work_dir: str) -> Optional[Dict[str, float]]:
    """The last evaluation (val at the end of training, or a test) logged
    under ``work_dir`` by mmengine (``<timestamp>/vis_data/*.json`` for val,
    ``<timestamp>/<timestamp>.json`` for test)."""
    files = glob.glob(osp.join(work_dir, '*', 'vis_data', '*.json')) + \
        glob.glob(osp.join(work_dir, '*', '*.json'))
    found = None
    # Timestamps sort chronologically; later runs win.
    for path in sorted(files, key=lambda p: (osp.basename(
            osp.dirname(p.replace('/vis_data', ''))), p)):
        for row in _json_lines(path):
            if any(_is_metric_key(key) for key in row):
                found = row
    return found


def metrics_row(width: float, metrics: Dict[str, float]) -> Dict:
    """The report row of one width: each logged metric of
    :data:`METRIC_COLUMNS` under its column, in percent (the papers'
    tables).

    Args:
        width (float): The width.
        metrics (dict): Logged key -> value (:func:`read_eval_metrics`).

    Returns:
        dict: ``width`` and one entry per logged metric.
    """
    row = {'width': float(width)}
    for key, column in METRIC_COLUMNS.items():
        if key in metrics:
            value = float(metrics[key])
            scale = 1 if key in LOGGED_IN_PERCENT else 100
            row[column] = round(scale * value, 2) if not math.isnan(
                value) else value
    return row


def write_transfer_report(rows: List[Dict], out_dir: str, name: str,
                          title: Optional[str] = None) -> Dict[str, str]:
    """``<name>.md/.csv/.png`` in ``out_dir`` and the table printed."""
    from slimmm.evaluation.reports import markdown_table, write_width_report
    metric_columns = [c for c in METRIC_COLUMNS.values()
                      if any(c in r for r in rows)]
    y_keys = [c for c in ('AP_bb', 'AP_mk', 'mAP', 'AP50', 'mIoU')
              if c in metric_columns] or metric_columns
    # The whole model's cost next to the backbone's, where measured.
    model_cost = [c for c in ('model_M_params', 'model_GFLOPs')
                  if any(c in r for r in rows)]
    columns = ['width', 'params', 'flops'] + model_cost + metric_columns
    if any('protocol' in r for r in rows):
        columns.append('protocol')
    paths = write_width_report(rows, out_dir, name, x_keys=('params',
                                                            'flops'),
                               y_keys=y_keys, columns=columns, title=title)
    print(markdown_table(rows, columns))
    return paths


def joint_rows(metrics: Dict[str, float], widths: Sequence[float],
               backbone_cfg: Dict,
               complexity_input_size: int = 224) -> List[Dict]:
    """The report rows of a joint run: each width's prefixed metrics
    (``width_0.5/coco/bbox_mAP``), params and FLOPs, ``protocol='joint'``.
    """
    from slimmm.analysis import backbone_complexity
    costs = backbone_complexity(dict(backbone_cfg, init_cfg=None),
                                list(widths),
                                input_size=complexity_input_size)
    rows = []
    by_width: Dict[float, Dict[str, float]] = {}
    for key, value in metrics.items():
        split = split_metric_key(key)
        if split is not None:
            by_width.setdefault(split[0], {})[split[1]] = value
    for width, cost in zip(widths, costs):
        own = by_width.get(float(width), {})
        row = metrics_row(width, own)
        row.update(params=cost['params'], flops=cost['flops'],
                   protocol='joint')
        rows.append(row)
    return rows
