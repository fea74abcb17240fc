"""tools/analysis_tools/benchmark_joint_detector.py on the tiny joint Mask
R-CNN: the joint step computes what the four per-width steps compute (same
FLOPs), every figure of the table is printed and saved, and contradictory
flags fail before any model is built. (The peak-memory processes run in
the GPU check; its CPU mode leaves them out.)"""
import json
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
import benchmark_joint_detector  # noqa: E402

TINY_JOINT = osp.join(REPO, 'configs', 'benchmarks', 'mmdetection',
                      'mask-rcnn_slimmable-r18_fpn_joint_tiny-coco.py')


def test_flops_and_time_without_memory(tmp_path, capsys):
    out = tmp_path / 'joint.json'
    benchmark_joint_detector.main([
        '--config', TINY_JOINT, '--image-size', '64', '--batch-size', '1',
        '--repeats', '1', '--skip-memory', '--out', str(out)])
    result = json.loads(out.read_text())
    assert result['widths'] == [1.0, 0.75, 0.5, 0.25]
    assert sorted(map(float, result['flops_per_width'])) == \
        sorted(result['widths'])
    assert result['flops_ratio'] == pytest.approx(1.0, abs=0.02)
    assert result['time_ratio'] > 0 and 'memory_ratio' not in result
    row = capsys.readouterr().out.strip().splitlines()[-1]
    assert row.startswith('| 1, 0.75, 0.5, 0.25 |')
    assert row.endswith('| - | - | - |')  # no memory measured
    # A second run never overwrites the first one's numbers.
    with pytest.raises(SystemExit, match='exists; choose another --out'):
        benchmark_joint_detector.main(['--out', str(out)])


def test_skip_memory_and_memory_only_are_refused(capsys):
    with pytest.raises(SystemExit):
        benchmark_joint_detector.parse_args(['--skip-memory',
                                             '--memory-only'])
    assert 'leave nothing to measure' in capsys.readouterr().err
