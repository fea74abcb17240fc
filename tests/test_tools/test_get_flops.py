"""Per-width params / FLOPs of ResNet-50 and ResNet-18 (224x224 input,
1000-class linear head) against the papers' tables."""
import json
import os.path as osp

import pytest
from mmengine.config import Config
from tool_processes import run_tool

from slimmm.analysis import (backbone_complexity, complexity_table,
                             widths_to_evaluate)
from slimmm.models.export import backbone_cfg_of, build_backbone

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs', 'backbones')

# Slimmable Networks (Yu et al., 2019) Table 1 / SlimCLR Table: params (M)
# and FLOPs (G) at widths 1.0, 0.75, 0.5, 0.25.
EXPECTED = {
    'slimmable-r50_4widths.py': ([25.56, 14.77, 6.92, 1.99],
                                 [4.11, 2.34, 1.06, 0.28]),
    'slimmable-r18_4widths.py': ([11.69, 6.68, 3.06, 0.83],
                                 [1.82, 1.05, 0.49, 0.14]),
}


def check(rows, params, flops):
    assert [r['width'] for r in rows] == [1.0, 0.75, 0.5, 0.25]
    for row, p, f in zip(rows, params, flops):
        assert row['params'] / 1e6 == pytest.approx(p, rel=0.005), row
        assert row['flops'] / 1e9 == pytest.approx(f, rel=0.03), row


@pytest.mark.parametrize('config', sorted(EXPECTED))
def test_params_and_flops_per_width(config):
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    rows = backbone_complexity(backbone_cfg_of(cfg))
    check(rows, *EXPECTED[config])
    table = complexity_table(rows)
    params, flops = EXPECTED[config]
    assert table.splitlines()[2] == \
        f'| 1.0 | {params[0]:.2f} | {flops[0]:.2f} |'


def test_cli_json():
    result = run_tool(
        [osp.join(REPO, 'tools', 'analysis_tools', 'get_flops.py'),
         osp.join(CONFIGS, 'slimmable-r18_4widths.py'), '--json',
         '--widths', '0.5', '0.25'], timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads(result.stdout)
    assert [set(row) for row in rows] == [{'width', 'params', 'flops'}] * 2
    params, flops = EXPECTED['slimmable-r18_4widths.py']
    for row, width, p, f in zip(rows, (0.5, 0.25), params[2:], flops[2:]):
        assert row['width'] == width
        assert row['params'] / 1e6 == pytest.approx(p, rel=0.005)
        assert row['flops'] / 1e9 == pytest.approx(f, rel=0.03)


def test_universal_backbone_reports_the_default_widths():
    cfg = Config.fromfile(osp.join(CONFIGS, 'us-r50.py'))
    rows = backbone_complexity(backbone_cfg_of(cfg), widths=[0.25])
    assert rows[0]['params'] / 1e6 == pytest.approx(1.99, rel=0.005)
    backbone = build_backbone(backbone_cfg_of(cfg))
    assert widths_to_evaluate(backbone) == [1.0, 0.75, 0.5, 0.25]


def test_width_outside_the_backbone_is_refused():
    cfg = Config.fromfile(osp.join(CONFIGS, 'slimmable-r18_4widths.py'))
    with pytest.raises(ValueError, match=r'\[1.0, 0.75, 0.5, 0.25\]'):
        backbone_complexity(backbone_cfg_of(cfg), widths=[0.6])


def test_cache_is_shared_only_by_equal_channels():
    """A width list and a universal range give the same network at 0.5 (the
    cached row is reused) but not at 0.6 (38 vs 40 stem channels)."""
    cache = {}
    listed = dict(type='slimmm.SlimmableResNet', depth=18,
                  widths=[1.0, 0.6, 0.5])
    universal = dict(type='slimmm.SlimmableResNet', depth=18,
                     width_range=(0.25, 1.0))
    first = backbone_complexity(listed, widths=[0.6, 0.5], input_size=32,
                                cache=cache)
    assert len(cache) == 2
    second = backbone_complexity(universal, widths=[0.6, 0.5],
                                 input_size=32, cache=cache)
    assert len(cache) == 3  # 0.5 came from the cache, 0.6 was measured
    assert second[1] == first[1]
    assert second[0]['params'] > first[0]['params']
    fresh = backbone_complexity(universal, widths=[0.6], input_size=32)
    assert fresh[0] == second[0]
