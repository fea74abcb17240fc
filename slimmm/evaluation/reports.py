"""Per-width result reports: one Markdown table, one CSV and one PNG plot.

Every evaluation protocol (linear probe, kNN, semi-supervised, detection
transfer) ends with one row per width. ``rows`` is a list of dicts that all
hold ``'width'`` plus any metric / cost columns, e.g.::

    [{'width': 1.0, 'flops': 1.8e9, 'params': 11.2e6, 'top1': 52.1}, ...]

The plot draws every ``y_key`` against every ``x_key`` that the rows carry
(accuracy against FLOPs, accuracy against params), one point per width,
labelled with its width, so the accuracy / cost trade-off of a slimmable
network reads off one figure.
"""
import csv
import math
import os
import os.path as osp
from numbers import Number
from typing import Dict, List, Optional, Sequence

#: mmdet metric key -> report column of the detection protocols (values
#: x100, as the papers' tables).
DETECTION_COLUMNS = {
    'coco/bbox_mAP': 'AP_bb',
    'coco/bbox_mAP_50': 'AP50_bb',
    'coco/segm_mAP': 'AP_mk',
    'coco/segm_mAP_50': 'AP50_mk',
    'pascal_voc/mAP': 'mAP',
    'pascal_voc/AP50': 'AP50',
}
#: mmseg ``IoUMetric`` key -> report column of the segmentation protocols;
#: mmseg logs these in percent already.
SEGMENTATION_COLUMNS = {
    'mIoU': 'mIoU',
    'mAcc': 'mAcc',
    'aAcc': 'aAcc',
}

#: Columns whose values are counts; tables show them in G / M units.
_COUNT_UNITS = {'flops': (1e9, 'GFLOPs'), 'params': (1e6, 'M params')}


def _columns(rows: Sequence[Dict]) -> List[str]:
    columns = ['width']
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns


def _fmt(key: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '-'
    if key in _COUNT_UNITS and isinstance(value, Number):
        scale, _ = _COUNT_UNITS[key]
        return f'{value / scale:.3f}'
    if key == 'width' and isinstance(value, Number):
        return repr(float(value))  # 1.0, 0.75: widths read as widths
    if isinstance(value, float):
        return f'{value:.2f}'
    return str(value)


def _header(key: str) -> str:
    return _COUNT_UNITS[key][1] if key in _COUNT_UNITS else key


def check_rows(rows: Sequence[Dict]) -> List[Dict]:
    """Validate report rows and return them sorted by width, widest first."""
    rows = [dict(row) for row in rows]
    if not rows:
        raise ValueError('A width report needs at least one row.')
    for row in rows:
        if 'width' not in row:
            raise KeyError(f'Every report row needs a "width" entry; got a '
                           f'row with keys {sorted(row)}.')
    return sorted(rows, key=lambda r: -float(r['width']))


def markdown_table(rows: Sequence[Dict],
                   columns: Optional[Sequence[str]] = None) -> str:
    """Rows as a Markdown table (FLOPs in G, params in M, floats .2f)."""
    rows = check_rows(rows)
    columns = list(columns or _columns(rows))
    lines = ['| ' + ' | '.join(_header(c) for c in columns) + ' |',
             '|' + '|'.join('---:' for _ in columns) + '|']
    for row in rows:
        cells = ' | '.join(_fmt(c, row.get(c)) for c in columns)
        lines.append(f'| {cells} |')
    return '\n'.join(lines) + '\n'


def write_csv(rows: Sequence[Dict], path: str,
              columns: Optional[Sequence[str]] = None) -> str:
    """Rows as CSV with raw (unscaled) values."""
    rows = check_rows(rows)
    columns = list(columns or _columns(rows))
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction='ignore')
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, '') for c in columns})
    return path


def plot_rows(rows: Sequence[Dict], path: str,
              x_keys: Sequence[str] = ('flops', 'params'),
              y_keys: Optional[Sequence[str]] = None,
              title: Optional[str] = None) -> Optional[str]:
    """Plot each ``y_key`` against each ``x_key`` present in the rows.

    Returns the path written, or None when the rows carry none of
    ``x_keys`` (then there is nothing to plot against).
    """
    import matplotlib
    matplotlib.use('Agg')  # files only; never needs a display
    import matplotlib.pyplot as plt

    rows = check_rows(rows)
    x_keys = [k for k in x_keys
              if all(isinstance(r.get(k), Number) for r in rows)]
    if not x_keys:
        return None
    if y_keys is None:
        y_keys = [k for k in _columns(rows)
                  if k != 'width' and k not in _COUNT_UNITS
                  and all(isinstance(r.get(k), Number) for r in rows)]
    fig, axes = plt.subplots(1, len(x_keys), figsize=(5 * len(x_keys), 4),
                             squeeze=False)
    for ax, x_key in zip(axes[0], x_keys):
        scale, unit = _COUNT_UNITS.get(x_key, (1.0, x_key))
        xs = [r[x_key] / scale for r in rows]
        for y_key in y_keys:
            ys = [r.get(y_key) for r in rows]
            ax.plot(xs, ys, marker='o', label=y_key)
            for x, y, row in zip(xs, ys, rows):
                ax.annotate(f'{float(row["width"]):g}x', (x, y),
                            textcoords='offset points', xytext=(4, 4),
                            fontsize=8)
        ax.set_xlabel(unit)
        ax.set_ylabel(', '.join(y_keys))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_width_report(rows: Sequence[Dict], out_dir: str, name: str,
                       x_keys: Sequence[str] = ('flops', 'params'),
                       y_keys: Optional[Sequence[str]] = None,
                       columns: Optional[Sequence[str]] = None,
                       title: Optional[str] = None) -> Dict[str, str]:
    """Write ``<name>.md``, ``<name>.csv`` and ``<name>.png`` in ``out_dir``.

    Args:
        rows (Sequence[dict]): One dict per width with ``'width'`` and metric
            / cost columns (``flops`` and ``params`` as raw counts).
        out_dir (str): Directory (created if missing).
        name (str): File stem, e.g. ``'linear_probe'``.
        x_keys (Sequence[str]): Cost columns to plot against.
        y_keys (Sequence[str], optional): Metric columns to plot; defaults to
            every numeric column that is not a width or a cost.
        columns (Sequence[str], optional): Table / CSV column order.
        title (str, optional): Plot title.

    Returns:
        dict: ``{'markdown': path, 'csv': path, 'plot': path or None,
        'table': markdown text}``.
    """
    os.makedirs(out_dir, exist_ok=True)
    table = markdown_table(rows, columns)
    md_path = osp.join(out_dir, f'{name}.md')
    with open(md_path, 'w') as f:
        f.write(table)
    csv_path = write_csv(rows, osp.join(out_dir, f'{name}.csv'), columns)
    png_path = plot_rows(rows, osp.join(out_dir, f'{name}.png'), x_keys,
                         y_keys, title=title or name)
    return dict(markdown=md_path, csv=csv_path, plot=png_path, table=table)


def plot_metric_panels(rows: Sequence[Dict], path: str,
                       metrics: Sequence[str],
                       x_key: str = 'flops',
                       group_key: str = 'init',
                       title: Optional[str] = None) -> Optional[str]:
    """One panel per metric against ``x_key`` (log scale), one line per
    value of ``group_key`` (e.g. pretrained and random init), one point per
    width labelled with the width.

    Each metric gets its own y-axis, so a top-1 near 80 and an AP near 30
    are both read at a glance. Rows lacking ``x_key`` are skipped; rows
    lacking a metric leave that point out of its panel.

    Returns:
        str or None: The path written, or None when no row has ``x_key``.
    """
    import matplotlib
    matplotlib.use('Agg')  # files only; never needs a display
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    rows = [r for r in check_rows(rows)
            if isinstance(r.get(x_key), Number)]
    if not rows or not metrics:
        return None
    scale, unit = _COUNT_UNITS.get(x_key, (1.0, x_key))
    groups: List = []
    for row in rows:
        if row.get(group_key) not in groups:
            groups.append(row.get(group_key))
    fig, axes = plt.subplots(1, len(metrics),
                             figsize=(3.6 * len(metrics), 3.2),
                             squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for index, group in enumerate(groups):
            points = sorted(
                (r[x_key] / scale, float(r[metric]), float(r['width']))
                for r in rows if r.get(group_key) == group
                and isinstance(r.get(metric), Number)
                and not math.isnan(r[metric]))
            if not points:
                continue
            xs, ys, widths = zip(*points)
            ax.plot(xs, ys, marker='os^v'[index % 4],
                    linestyle='-' if index == 0 else '--',
                    label=str(group))
            for x, y, width in points:
                ax.annotate(f'{width:g}x', (x, y), textcoords='offset points',
                            xytext=(3, 4), fontsize=7)
        ax.set_xscale('log')
        # One tick per width's cost, written plainly (log axes otherwise
        # label crowded minor ticks as powers of ten).
        ticks = sorted({r[x_key] / scale for r in rows})
        ax.set_xticks(ticks, [f'{t:.2g}' for t in ticks], fontsize=7)
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.margins(x=0.15, y=0.12)
        ax.set_xlabel(f'{unit} (log scale)')
        ax.set_title(metric, fontsize=10)
        ax.grid(alpha=0.3, which='both')
        if len(groups) > 1:
            ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
