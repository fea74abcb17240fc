"""write_width_report: table, CSV (raw values) and plot files."""
import csv

from slimmm.engine.hooks.width_report_hook import rows_from_metrics
from slimmm.evaluation import markdown_table, write_width_report

ROWS = [dict(width=0.5, flops=0.5e9, params=3e6, top1=40.0, top5=80.0),
        dict(width=1.0, flops=1.8e9, params=11.2e6, top1=50.0, top5=90.0)]


def test_markdown_table_sorted_and_scaled():
    assert markdown_table(ROWS) == (
        '| width | GFLOPs | M params | top1 | top5 |\n'
        '|---:|---:|---:|---:|---:|\n'
        '| 1.0 | 1.800 | 11.200 | 50.00 | 90.00 |\n'
        '| 0.5 | 0.500 | 3.000 | 40.00 | 80.00 |\n')


def test_write_width_report_files(tmp_path):
    paths = write_width_report(ROWS, str(tmp_path / 'out'), 'probe')
    with open(paths['csv']) as f:
        rows = list(csv.DictReader(f))
    assert [r['width'] for r in rows] == ['1.0', '0.5']
    assert float(rows[0]['flops']) == 1.8e9 and rows[1]['top1'] == '40.0'
    with open(paths['plot'], 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    assert open(paths['markdown']).read() == paths['table']
    # Without cost columns there is nothing to plot against.
    no_cost = write_width_report([dict(width=1.0, ap=30.0)],
                                 str(tmp_path / 'out'), 'det')
    assert no_cost['plot'] is None
    assert no_cost['table'].splitlines()[2] == '| 1.0 | 30.00 |'


def test_rows_from_metric_keys():
    rows = rows_from_metrics({'width_1.0/accuracy/top1': 50.0,
                              'width_0.25/accuracy/top1': 20.0,
                              'width_0.25/accuracy/top5': 60.0,
                              'data_time': 0.1})
    assert rows == [dict(width=1.0, top1=50.0),
                    dict(width=0.25, top1=20.0, top5=60.0)]
