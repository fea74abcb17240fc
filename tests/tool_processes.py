"""Tool processes without the interpreter start-up: ``python TOOL ARGS``
as a real child process (its own pid, exit status, output; SIGKILL ends
it), forked from a server that has already imported torch, mmengine, mmdet,
mmpretrain and slimmm.

A fresh ``python tools/train.py`` spends about 5 s importing that stack
before it reads its config; a test that starts a dozen tool processes
spends a minute on imports alone. The server (``multiprocessing``'s
forkserver, started once per test session) imports the stack but runs no
tensor operation, so forking it is safe; each child then runs the tool file
as ``__main__`` exactly as the interpreter would, from ``cwd``, with ``env``
as its environment, its stdout and stderr in files. One difference: the
child ends as every multiprocessing child does (stdout and stderr flushed,
then ``os._exit``), so ``atexit`` handlers do not run.
"""
import multiprocessing
import os
import os.path as osp
import runpy
import shutil
import signal
import sys
import tempfile
import time
from typing import Callable, Dict, Optional, Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

# What every tool imports first: the server imports it once.
PRELOAD = ['torch', 'mmengine.runner', 'mmdet.models', 'mmpretrain.models',
           'slimmm', 'slimmm.apis']

_context = None


def _forkserver():
    global _context
    if _context is None:
        _context = multiprocessing.get_context('forkserver')
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _child(argv: Sequence[str], cwd: str, env: Dict[str, str],
           stdout_path: str, stderr_path: str) -> None:
    """In the forked child: become ``python ARGV`` (``argv[0]`` a file, or
    ``-c CODE``) in ``cwd`` with ``env``."""
    for fd, path in ((1, stdout_path), (2, stderr_path)):
        # O_APPEND: stdout and stderr may name the same log file.
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(target, fd)
        os.close(target)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    import torch
    torch.set_num_threads(int(env.get('OMP_NUM_THREADS', 1)))
    if argv[0] == '-c':
        sys.argv = ['-c'] + list(argv[2:])
        exec(compile(argv[1], '<string>', 'exec'), {'__name__': '__main__'})
    else:
        sys.argv = list(argv)
        sys.path.insert(0, osp.dirname(osp.abspath(argv[0])))
        runpy.run_path(argv[0], run_name='__main__')


class ToolProcess:
    """A started tool: ``poll()``, ``wait()``, ``kill()`` and, once it has
    ended, ``returncode`` (negative: the signal that ended it), ``stdout``
    and ``stderr`` as with ``subprocess``."""

    def __init__(self, argv: Sequence[str], cwd: str = REPO,
                 env: Optional[Dict[str, str]] = None,
                 log: Optional[str] = None):
        """``log``: append both streams to this file instead (``stdout``
        and ``stderr`` are then empty)."""
        self._folder = tempfile.mkdtemp(prefix='tool')
        self._out = self._err = log
        if log is None:
            self._out = osp.join(self._folder, 'stdout')
            self._err = osp.join(self._folder, 'stderr')
        self.args = [str(a) for a in argv]
        self._process = _forkserver().Process(
            target=_child, args=(self.args, str(cwd),
                                 dict(os.environ if env is None else env),
                                 self._out, self._err))
        self._process.start()
        self.pid = self._process.pid
        self.returncode = None

    def poll(self) -> Optional[int]:
        if self.returncode is None and self._process.exitcode is not None:
            self.returncode = self._process.exitcode
            self._stdout, self._stderr = ('', '') if self._out == self._err \
                else (self._read(self._out), self._read(self._err))
            shutil.rmtree(self._folder, ignore_errors=True)
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        self._process.join(timeout)
        if self.poll() is None:
            self.kill()
            raise TimeoutError(f'{self.args} ran over {timeout} s')
        return self.returncode

    def kill(self) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, signal.SIGKILL)
            self._process.join()
        self.poll()

    @staticmethod
    def _read(path: str) -> str:
        with open(path, errors='replace') as f:
            return f.read()

    @property
    def stdout(self) -> str:
        return self._stdout if self.poll() is not None else self._read(
            self._out)

    @property
    def stderr(self) -> str:
        return self._stderr if self.poll() is not None else self._read(
            self._err)


def run_tool(argv: Sequence[str], cwd: str = REPO,
             env: Optional[Dict[str, str]] = None,
             timeout: float = 600) -> ToolProcess:
    """``subprocess.run([sys.executable, *argv], cwd=cwd, env=env)`` with
    the stack already imported; the finished process (``returncode``,
    ``stdout``, ``stderr``)."""
    process = ToolProcess(argv, cwd, env)
    process.wait(timeout)
    return process


def wait_until(condition, process: ToolProcess, timeout: float,
               what: str) -> None:
    """Poll ``condition()`` until it holds; fail if ``process`` ended or
    ``timeout`` passed first."""
    deadline = time.time() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(
                f'ended (rc {process.returncode}) before {what}: '
                f'{process.stderr[-3000:]}')
        if time.time() > deadline:
            raise AssertionError(f'no {what} in {timeout} s')
        time.sleep(0.02)


def start_ranks(worker: Callable, args: Tuple, nprocs: int = 2) -> None:
    """``torch.multiprocessing.spawn(worker, args, nprocs)`` with the
    processes forked from the same server (the stack already imported);
    ``worker(rank, *args)`` must be a module-level function."""
    import torch.multiprocessing as mp
    _forkserver()
    mp.start_processes(worker, args=args, nprocs=nprocs, join=True,
                       start_method='forkserver')


def call(cmd: Sequence[str], stdout=None, stderr=None, env=None, cwd=None,
         **kwargs) -> int:
    """``subprocess.call`` for ``[sys.executable, TOOL.py, ...]`` with
    ``stdout`` a log file and ``stderr=subprocess.STDOUT`` (how
    ``slimmm.apis.transfer`` launches tools/train.py and tools/test.py);
    anything else goes to the real ``subprocess.call``."""
    import subprocess
    if (cmd[0] == sys.executable and str(cmd[1]).endswith('.py')
            and hasattr(stdout, 'name') and stderr == subprocess.STDOUT
            and not kwargs):
        stdout.flush()
        return ToolProcess(cmd[1:], cwd or os.getcwd(), env,
                           log=stdout.name).wait()
    return subprocess.call(cmd, stdout=stdout, stderr=stderr, env=env,
                           cwd=cwd, **kwargs)


def run_tool_ranks(argv: Sequence[str], nprocs: int, port: int,
                   env: Optional[Dict[str, str]] = None,
                   timeout: float = 600) -> list:
    """``torchrun --nproc_per_node NPROCS ARGV`` on this machine (what
    tools/dist_train.sh runs): one tool process per rank, each with the
    environment torchrun gives it; the finished processes, rank 0 first.
    (tests/test_detection/test_dist_gloo.py runs dist_train.sh itself.)"""
    base = dict(os.environ if env is None else env, MASTER_ADDR='127.0.0.1',
                MASTER_PORT=str(port), WORLD_SIZE=str(nprocs),
                LOCAL_WORLD_SIZE=str(nprocs))
    ranks = [ToolProcess(argv, env=dict(base, RANK=str(rank),
                                        LOCAL_RANK=str(rank)))
             for rank in range(nprocs)]
    deadline = time.time() + timeout
    try:
        # Until all ended, one failed (the others would wait for it in a
        # collective) or the time is up.
        while any(p.poll() is None for p in ranks) and \
                not any(p.poll() for p in ranks) and time.time() < deadline:
            time.sleep(0.05)
    finally:
        for process in ranks:
            process.kill()
    return ranks
