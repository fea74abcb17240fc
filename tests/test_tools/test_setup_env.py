"""The set-up script's decisions, without network: a fake Python on which
every ``-m pip`` call is recorded and every check answers from a scenario
file (what is installed, whether mmcv's ops load)."""
import json
import os
import os.path as osp
import stat
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

FAKE_PYTHON = '''#!{python}
import json, sys
state_file, log_file = {state!r}, {log!r}
with open(state_file) as f:
    state = json.load(f)
args = sys.argv[1:]
if args[:2] == ['-m', 'pip']:
    with open(log_file, 'a') as f:
        f.write(json.dumps(args[2:]) + '\\n')
    if any(a.startswith('torch') for a in args):
        state['torch'] = True
    if 'mmcv==2.1.0' in args:
        state['mmcv_present'] = True
        # A wheel reused from pip's cache may be built for another torch.
        state['mmcv_ops'] = ('--no-cache-dir' in args
                             or not state.get('stale_cached_wheel'))
    if '-e' in args:
        state['slimmm'] = True
    with open(state_file, 'w') as f:
        json.dump(state, f)
    sys.exit(0)
if args[0] == '-c':
    name = args[1].splitlines()[0].split('check:')[1]
    if name == 'ready':
        print('[setup_env] ready (fake)')
        sys.exit(0)
    sys.exit(0 if state.get(name) else 1)
sys.exit('unexpected call: %r' % (args, ))
'''


def fake_python(folder, state):
    """A fake interpreter in ``folder`` and the file of its pip calls."""
    os.makedirs(folder, exist_ok=True)
    paths = {k: osp.join(folder, k) for k in ('state.json', 'pip.log')}
    with open(paths['state.json'], 'w') as f:
        json.dump(state, f)
    python = osp.join(folder, 'python')
    with open(python, 'w') as f:
        f.write(FAKE_PYTHON.format(python=sys.executable,
                                   state=paths['state.json'],
                                   log=paths['pip.log']))
    os.chmod(python, os.stat(python).st_mode | stat.S_IEXEC)
    return python, paths['pip.log']


def run_setup(env):
    env = {k: v for k, v in env.items()}
    for key in ('PYTHON', 'VIRTUAL_ENV', 'CONDA_PREFIX'):
        env.setdefault(key, '')
    env = {k: v for k, v in env.items() if v != ''}
    proc = subprocess.run(['bash', 'tools/setup_env.sh'], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def pip_calls(log):
    if not osp.exists(log):
        return []
    with open(log) as f:
        return [json.loads(line) for line in f]


def base_env():
    return {k: v for k, v in os.environ.items()
            if k not in ('PYTHON', 'VIRTUAL_ENV', 'CONDA_PREFIX')}


def test_fresh_machine_installs_everything_honouring_pip_config(tmp_path):
    python, log = fake_python(str(tmp_path / 'py'), {})
    out = run_setup(dict(base_env(), PYTHON=python))
    calls = pip_calls(log)
    flat = [arg for call in calls for arg in call]
    assert '--isolated' not in flat  # the user's index / mirror / proxy
    torch_call = calls[0]
    assert torch_call[:3] == ['install', '-c', 'requirements/runtime.txt']
    assert torch_call[3:] == ['torch===2.13.0', 'torchvision===0.28.0']
    mmcv, = [call for call in calls if 'mmcv==2.1.0' in call]
    assert '--no-build-isolation' in mmcv and '--no-cache-dir' not in mmcv
    assert calls[-1][-2:] == ['-e', '.']
    assert 'building mmcv 2.1.0 with ops' in out
    # mmdet, mmpretrain and mmsegmentation come from the runtime file.
    assert len([call for call in calls
                if call[-4:-2] == ['-r', 'requirements/runtime.txt']]) == 1
    with open(osp.join(REPO, 'requirements', 'runtime.txt')) as f:
        pins = [line.strip() for line in f if not line.startswith('#')]
    assert 'mmsegmentation>=1.2.2,<1.3.0' in pins


def test_fitting_torch_and_mmcv_are_kept(tmp_path):
    python, log = fake_python(str(tmp_path / 'py'), dict(
        torch=True, mmcv_present=True, mmcv_ops=True, slimmm=True))
    run_setup(dict(base_env(), PYTHON=python))
    calls = pip_calls(log)
    assert not [c for c in calls if any(a.startswith(('torch', 'mmcv'))
                                        for a in c)], calls
    # only the requirement files (a no-op when satisfied)
    assert all('-r' in call for call in calls), calls


def test_mmcv_ops_that_do_not_load_are_rebuilt_without_the_cache(tmp_path):
    # After a torch change: mmcv installed, its compiled ops do not load.
    python, log = fake_python(str(tmp_path / 'py'), dict(
        torch=True, mmcv_present=True, mmcv_ops=False, slimmm=True))
    out = run_setup(dict(base_env(), PYTHON=python))
    mmcv, = [call for call in pip_calls(log) if 'mmcv==2.1.0' in call]
    for flag in ('--no-cache-dir', '--force-reinstall', '--no-deps',
                 '--no-build-isolation'):
        assert flag in mmcv
    line, = [line for line in out.splitlines() if 'rebuilding' in line]
    assert line.startswith('[setup_env] mmcv is installed but its compiled '
                           'ops do not load')


def test_a_stale_cached_wheel_is_rebuilt(tmp_path):
    python, log = fake_python(str(tmp_path / 'py'), dict(
        torch=True, stale_cached_wheel=True))
    out = run_setup(dict(base_env(), PYTHON=python))
    builds = [call for call in pip_calls(log) if 'mmcv==2.1.0' in call]
    assert len(builds) == 2 and '--no-cache-dir' in builds[1], builds
    assert 'rebuilding it without the cache' in out


@pytest.mark.parametrize('variable', ['VIRTUAL_ENV', 'CONDA_PREFIX'])
def test_the_active_environment_is_used(tmp_path, variable):
    env_python, log = fake_python(str(tmp_path / 'env' / 'bin'), {})
    # python3 on PATH is another interpreter (a pyenv shim, the system's)
    other, other_log = fake_python(str(tmp_path / 'system'), {})
    os.symlink(other, str(tmp_path / 'system' / 'python3'))
    env = dict(base_env(), PATH=str(tmp_path / 'system') + os.pathsep +
               os.environ['PATH'])
    env[variable] = str(tmp_path / 'env')
    run_setup(env)
    assert pip_calls(log) and not pip_calls(other_log)
