"""tools/analysis_tools/benchmark_conv_channels.py prints one row per
channel count whose GFLOP/s follow from its times and the conv's FLOPs."""
import os.path as osp

from tool_processes import run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'analysis_tools',
                  'benchmark_conv_channels.py')


def test_rows_per_channel_count():
    run = run_tool([SCRIPT, '--channels', '16', '24', '--size', '56',
                    '--batch', '4', '--repeats', '2', '--threads', '1'])
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    rows = [line.strip('|').split('|') for line in out.splitlines()
            if line.startswith('| ') and line[2].isdigit()]
    assert [int(row[0]) for row in rows] == [16, 24]
    for row in rows:
        channels, forward_ms, gflops, both_ms, both_gflops = map(float, row)
        flops = 2 * 4 * 56**2 * channels**2 * 9
        assert forward_ms > 0 and both_ms > 0
        # every figure is printed rounded to 0.1
        for ms, printed, work in ((forward_ms, gflops, flops),
                                  (both_ms, both_gflops, 3 * flops)):
            low = work / ((ms + 0.05) * 1e6) - 0.05
            high = work / (max(ms - 0.05, 1e-3) * 1e6) + 0.05
            assert low <= printed <= high
