"""Main job glue: the probe's per-width CSV and the detection rows merge
into one row per width. (The whole job runs in tools/run_demo.sh; it takes
minutes, so it is not a unit test.)"""
import os

import pytest

from slimmm.apis.main_job import merge_rows, read_probe_rows


def test_probe_rows_from_newest_report_and_merge(tmp_path):
    old, new = tmp_path / '20260101_000000', tmp_path / '20260102_000000'
    for folder, top1 in ((old, 1.0), (new, 60.5)):
        os.makedirs(folder)
        (folder / 'probe_val.csv').write_text(
            'width,flops,params,top1,top5\n'
            f'1.0,100,10,{top1},90.0\n0.5,30,3,{top1 - 10},80.0\n')
    probe = read_probe_rows(str(tmp_path))
    assert [r['top1'] for r in probe] == [60.5, 50.5]
    detection = [
        {'width': 0.5, 'params': 3_000_000, 'flops': 4e8, 'AP_bb': 20.1,
         'AP_mk': 18.2, 'AP50_bb': 40.0},
        {'width': 1.0, 'params': 11_000_000, 'flops': 1.8e9, 'AP_bb': 30.0,
         'AP_mk': 27.5}]
    rows = merge_rows(probe, detection)
    assert rows == [
        {'width': 1.0, 'params': 11_000_000, 'flops': 1.8e9, 'top1': 60.5,
         'AP_bb': 30.0, 'AP_mk': 27.5},
        {'width': 0.5, 'params': 3_000_000, 'flops': 4e8, 'top1': 50.5,
         'AP_bb': 20.1, 'AP_mk': 18.2}]


def test_missing_probe_report_is_explained(tmp_path):
    with pytest.raises(RuntimeError, match='WidthReportHook'):
        read_probe_rows(str(tmp_path))
