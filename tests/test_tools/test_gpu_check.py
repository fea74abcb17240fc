"""tools/benchmarks/gpu_check.py: the check in its CPU mode, end to end
(tiny sizes, one iteration per step), then what the report makes of
failures, timeouts, pytest's results and the GPU targets."""
import json
import os.path as osp
import sys

import pytest
from tool_processes import run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'benchmarks'))
import gpu_check  # noqa: E402

# Every step of the CPU mode but ``cuda_tests`` and all pretraining
# benchmarks but the first: the suite itself collects tests/test_cuda and
# skips them without CUDA (and a pytest inside pytest would add its start-up
# time), and the other algorithms go through the same step code with
# another config (tests/test_tools/test_benchmark_pretrain.py runs the
# benchmark itself for every algorithm).
CPU_STEPS = [s.name for s in gpu_check.STEPS
             if 'cpu' in s.budgets and s.name != 'cuda_tests'
             and s.name not in ('pretrain:DSPNet', 'pretrain:SlimCLR-MoCov2',
                                'pretrain:US3L')]


@pytest.fixture(scope='module')
def cpu_report(tmp_path_factory):
    out = tmp_path_factory.mktemp('gpu_check')
    run = run_tool(
        [osp.join(REPO, 'tools/benchmarks/gpu_check.py'),
         '--cpu', '--out', str(out), '--steps'] + CPU_STEPS, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with open(out / 'gpu_check.json') as f:
        return out, json.load(f), run.stdout


def test_cpu_mode_runs_every_step(cpu_report):
    out, report, stdout = cpu_report
    steps = report['steps']
    assert list(steps) == CPU_STEPS
    for name, step in steps.items():
        assert step['status'] == 'ok', (name, step.get('error'))
    pretrain = steps['pretrain:SlimCLR-MoCov3']['result']
    assert pretrain['widths'] == [1.0, 0.75, 0.5, 0.25]
    assert pretrain['sampled_over_plain'] > 0 and pretrain['limit'] > 1
    amp = steps['amp']['result']['rows']
    assert {r['algorithm'] for r in amp} == {'SlimCLR-MoCov3'}
    assert all(not r['nonfinite'] and r['widths'] for r in amp)
    speed = steps['width_speed']['result']['results']
    assert [part['channels_last'] for part in speed] == [False, True]
    assert all(r['max_rel_diff'] <= gpu_check.EQUAL_TOLERANCE
               for part in speed for r in part['rows'])
    assert steps['maskrcnn']['result']['rows'][0]['finite']
    # The joint detector's cost against the per-width iterations (no
    # memory processes on CPU): the same computation, so FLOPs agree up
    # to the RoIs each run samples.
    joint = steps['joint']['result']
    assert joint['widths'] == [1.0, 0.75, 0.5, 0.25]
    assert 0.9 <= joint['flops_ratio'] <= 1.1
    assert joint['time_ratio'] > 0 and 'memory_ratio' not in joint
    markdown = (out / 'gpu_check.md').read_text()
    assert '## Targets' in markdown and '## AMP train steps' in markdown
    assert '## Joint slimmable detector' in markdown
    assert 'joint detector: iteration <= 1.05' in markdown
    assert (out / 'logs' / 'pretrain_SlimCLR-MoCov3.log').exists()
    assert '[gpu_check] width_speed: ok' in stdout


def test_existing_report_is_not_overwritten(cpu_report):
    out = cpu_report[0]
    run = run_tool(
        [osp.join(REPO, 'tools/benchmarks/gpu_check.py'),
         '--cpu', '--out', str(out), '--steps', 'joint'])
    assert run.returncode != 0
    assert 'exists; pass --out NEW_FOLDER' in run.stderr


def test_failures_and_timeouts_are_recorded_and_the_rest_runs(
        tmp_path, monkeypatch):
    """A crashing step, a hanging one (killed at its budget, with the
    process it started) and a step of the check's own that raises (run
    in-process in the CPU mode) are recorded with their log tails; the
    next step still runs."""
    def summarise(mode, out):
        return {}

    crash = gpu_check.Step('crash', dict(cpu=20), lambda mode, out: [
        sys.executable, '-c', 'print("about to fail"); raise SystemExit(3)'],
        summarise)
    hang = gpu_check.Step('hang', dict(cpu=20), lambda mode, out: [
        'bash', '-c', 'echo started; sleep 60 & wait'], summarise)
    good = gpu_check.Step('good', dict(cpu=20), lambda mode, out: [
        sys.executable, '-c', 'print("fine")'], summarise)

    def broken(mode, out):
        raise ValueError('no such layer')

    monkeypatch.setitem(gpu_check.IN_PROCESS, 'broken', broken)
    own = gpu_check.Step('own', dict(cpu=20), lambda mode, out:
                         gpu_check._self_command('broken', mode, out),
                         summarise)
    (tmp_path / 'logs').mkdir()
    records = {}
    for step, budget in ((crash, 20), (hang, 2), (own, 20), (good, 20)):
        records[step.name] = gpu_check.run_step(step, 'cpu', str(tmp_path),
                                                budget)
    assert records['crash']['status'] == 'failed'
    assert 'exit status 3' in records['crash']['error']
    assert 'about to fail' in records['crash']['error']
    assert records['hang']['status'] == 'timeout'
    assert records['hang']['seconds'] < 15
    assert 'started' in records['hang']['error']
    assert records['own']['status'] == 'failed'
    assert "ValueError: no such layer" in records['own']['error']
    assert records['good']['status'] == 'ok'


def test_cuda_tests_summary_reads_junit_xml(tmp_path):
    (tmp_path / 'cuda_tests.xml').write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="test_a" name="test_ok"/>'
        '<testcase classname="test_a" name="test_bad">'
        '<failure message="boom"/></testcase>'
        '<testcase classname="test_b" name="test_gpu">'
        '<skipped message="needs a CUDA device"/></testcase>'
        '</testsuite></testsuites>')
    summary = gpu_check.cuda_tests_summary('cpu', str(tmp_path))
    assert summary == dict(passed=['test_a::test_ok'],
                           failed=['test_a::test_bad'],
                           skipped=['test_b::test_gpu'])
    met = gpu_check.targets(dict(cuda_tests=dict(result=summary)))
    assert met[0]['passed'] is False
    met = gpu_check.targets(dict(cuda_tests=dict(result=dict(
        passed=[], failed=[], skipped=['test_b::test_gpu']))))
    assert met[0]['passed'] is None  # no CUDA: not applicable


def test_targets_compare_measurements_with_the_issue_limits():
    steps = {
        'pretrain:SlimCLR-MoCov3': dict(result=dict(
            sampled_over_plain=1.05, mem_ratio=1.2)),
        'pretrain:US3L': dict(result=dict(sampled_over_plain=1.2,
                                          mem_ratio=2.0)),
        'amp': dict(result=dict(rows=[dict(
            algorithm='DSPNet', dtype='float16', widths=[1.0, 0.5],
            nonfinite=[], skipped_steps=[0, 2]), dict(
            algorithm='US3L', dtype='float16', widths=[1.0, 0.5],
            nonfinite=[], skipped_steps=[0])])),
        'width_speed': dict(result=dict(results=[dict(rows=[
            dict(max_rel_diff=3e-7), dict(max_rel_diff=2e-6)])])),
    }
    met = {row['target'].split(':')[0] + (':mem' if 'memory' in
                                          row['target'] else ''):
           row['passed'] for row in gpu_check.targets(steps)}
    assert met == {
        'SlimCLR-MoCov3': True, 'SlimCLR-MoCov3:mem': False,
        # US3L builds one graph of all widths: no memory target.
        'US3L': False, 'DSPNet float16': False, 'US3L float16': True,
        'exported widths equal the slimmable network (fp32, relative 1e-05)':
        True}


def test_gpu_modes_build_their_commands_from_files_that_exist(tmp_path):
    """The GPU modes cannot run here: check what they would run. Every
    file they name exists (a renamed config would otherwise surface only
    on the GPU), the pretraining benchmark gets ResNet-50 and each
    config's per-GPU batch and crop, and --quick keeps the most
    important steps first."""
    for path in [gpu_check.PRETRAIN_TOOL, gpu_check.WIDTH_SPEED_TOOL,
                 gpu_check.SLIMMABLE_R50, gpu_check.MASK_RCNN,
                 *gpu_check.JOINT_CONFIG.values()] + [
                     spec['config'] for spec in gpu_check.ALGORITHMS.values()]:
        assert osp.exists(osp.join(REPO, path)), path
    steps = {s.name: s for s in gpu_check.STEPS}
    argv = steps['pretrain:DSPNet'].command('full', str(tmp_path))
    text = ' '.join(argv)
    assert '--depth 50 --image-size 128 --batch-size 256' in text
    assert '--skip-memory' not in text
    quick = [s.name for s in gpu_check.STEPS if 'quick' in s.budgets]
    assert quick[:3] == ['pretrain:SlimCLR-MoCov3', 'cuda_tests',
                         'pretrain:DSPNet']
    speed = ' '.join(steps['width_speed'].command('full', str(tmp_path)))
    assert '--device cuda' in speed and '--channels-last both' in speed
