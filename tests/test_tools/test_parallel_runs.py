"""Runs side by side (``transfer_runs.set_jobs`` / ``run_parallel``, used
by ``transfer.py --jobs`` and the main job): with 2 slots two launched runs
are alive at the same time, each told its share of the cores; with 1 they
run one after another; results come back in order and an error is raised."""
import os
import os.path as osp
import sys
from functools import partial

import pytest
import transfer_runs
from transfer_runs import _env, _run, run_parallel, set_jobs

# Each child announces itself, then waits (up to 60 s) for the other one:
# only two runs alive at once get past the wait.
RENDEZVOUS = r'''
import os, sys, time
folder, me, other = sys.argv[1:4]
open(os.path.join(folder, me), 'w').write(os.environ.get('OMP_NUM_THREADS',
                                                          ''))
deadline = time.time() + 60
while not os.path.exists(os.path.join(folder, other)):
    if time.time() > deadline:
        sys.exit('the other run never started')
    time.sleep(0.05)
'''


@pytest.fixture
def jobs():
    yield set_jobs
    set_jobs(1)


def _launch(folder, me, other):
    work_dir = osp.join(folder, f'work_{me}')
    os.makedirs(work_dir)
    _run([sys.executable, '-c', RENDEZVOUS, folder, me, other], work_dir,
         _env())
    return me


def test_two_slots_run_side_by_side_with_half_the_cores(
        tmp_path, jobs, monkeypatch):
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    jobs(2)
    folder = str(tmp_path)
    assert run_parallel([partial(_launch, folder, 'a', 'b'),
                         partial(_launch, folder, 'b', 'a')]) == ['a', 'b']
    share = str(max(1, (os.cpu_count() or 1) // 2))
    assert (tmp_path / 'a').read_text() == share
    assert (tmp_path / 'b').read_text() == share


def test_a_thread_count_the_user_set_wins(jobs, monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '3')
    jobs(2)
    assert _env()['OMP_NUM_THREADS'] == '3'
    monkeypatch.delenv('OMP_NUM_THREADS')
    jobs(1)
    assert 'OMP_NUM_THREADS' not in _env()
    assert _env(threads=5)['OMP_NUM_THREADS'] == '5'


def test_one_slot_runs_one_after_another(jobs):
    jobs(1)
    order = []
    assert run_parallel([lambda: order.append(1) or 'x',
                         lambda: order.append(2) or 'y']) == ['x', 'y']
    assert order == [1, 2]


def test_an_error_in_one_run_is_raised_after_the_others(jobs, tmp_path):
    jobs(2)
    done = []

    def fails():
        raise RuntimeError('width 0.5 failed')

    with pytest.raises(RuntimeError, match='width 0.5 failed'):
        run_parallel([fails, lambda: done.append(True)])
    assert done == [True]
    with pytest.raises(ValueError, match='at least 1'):
        set_jobs(0)
    assert transfer_runs._jobs == 2
