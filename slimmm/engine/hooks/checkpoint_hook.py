"""A CheckpointHook under which a kill at any point of a save loses nothing."""
import os
import os.path as osp
import re
import signal
import threading
from contextlib import contextmanager
from typing import Iterator, List

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from ...registry import HOOKS
from ...utils.checkpoint import ATOMIC_BACKEND, resume_point, write_atomically
from ...utils.randomness import resuming

#: The temporary file of an unfinished atomic write: ``.NAME.PID.tmp``.
_TEMPORARY = re.compile(r'^\..+\.([0-9]+)\.tmp$')


@contextmanager
def sigterm_deferred(logger=None) -> Iterator[None]:
    """Hold back a SIGTERM (what a cluster scheduler sends before SIGKILL)
    until the block has finished, then deliver it to the handler that was
    in place. Only the main thread can set signal handlers; elsewhere the
    block runs unprotected."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: List[int] = []
    previous = signal.signal(signal.SIGTERM,
                             lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if received:
            if logger is not None:
                logger.warning('SIGTERM arrived during a checkpoint save: '
                               'the save is complete, now stopping.')
            signal.raise_signal(signal.SIGTERM)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` in which no kill loses a checkpoint.

    mmengine's hook removes the checkpoint that ``max_keep_ckpts`` pushes
    out *before* it writes the new one, writes the new one in place, and
    then rewrites ``last_checkpoint``: a kill in between can leave nothing
    complete to resume from. Here, per save:

    1. the new checkpoint goes to a temporary file, is flushed to disk and
       renamed into place (:class:`slimmm.utils.checkpoint.
       AtomicLocalBackend`, the default ``backend_args``);
    2. ``last_checkpoint`` is replaced the same way;
    3. only then are the checkpoints beyond ``max_keep_ckpts`` removed.

    A SIGTERM during those steps is held back until they are done. What is
    saved (``keep_ckpt_ids`` in the message hub included) is what mmengine
    saves, so a resumed run continues exactly as with the stock hook.

    On ``resume=True`` without a file (``--resume`` of any train script,
    the stock MM ones too), the checkpoint is chosen by
    :func:`slimmm.utils.checkpoint.resume_point`: a ``last_checkpoint`` that
    names a missing or truncated file falls back to the newest complete
    checkpoint, in one logged line.
    """

    def __init__(self, *args, backend_args=None, **kwargs):
        if backend_args is None:
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(*args, backend_args=backend_args, **kwargs)

    @classmethod
    def from_hook(cls, hook: CheckpointHook) -> 'AtomicCheckpointHook':
        """This hook with the settings of a built mmengine
        ``CheckpointHook`` (what :class:`slimmm.ExactResumeHook` puts in
        its place, before any of its ``before_run`` work)."""
        atomic = cls.__new__(cls)
        atomic.__dict__.update(hook.__dict__)
        if atomic.backend_args is None:
            atomic.backend_args = dict(backend=ATOMIC_BACKEND)
        return atomic

    def before_run(self, runner) -> None:
        super().before_run(runner)
        # mmengine has no public API for the checkpoint Runner.train() is
        # about to resume from: it reads _load_from in load_or_resume(),
        # right after before_run.
        if resuming(runner) and runner._load_from is None:
            path, note = resume_point(runner.work_dir)  # or ResumeError
            if note:
                runner.logger.warning(note)
            runner._load_from = path

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process():
            for folder in {self.out_dir, runner.work_dir}:
                _remove_abandoned_temporaries(folder)

    def _save_checkpoint_with_step(self, runner, step, meta):
        # mmengine's bookkeeping, unchanged (it is saved in the checkpoint),
        # but the outdated file is only noted here.
        outdated = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        with sigterm_deferred(runner.logger):
            runner.save_checkpoint(
                self.out_dir, ckpt_filename, self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta,
                by_epoch=self.by_epoch, backend_args=self.backend_args,
                **self.args)
            if not is_main_process():
                return
            write_atomically(
                str(self.last_ckpt).encode(),
                osp.join(runner.work_dir, 'last_checkpoint'))
            for old_step in outdated:
                self._remove_checkpoint(self.file_backend.join_path(
                    self.out_dir, self.filename_tmpl.format(old_step)))

    def _remove_checkpoint(self, path: str) -> None:
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # DeepSpeed writes folders
            self.file_backend.rmtree(path)


def _remove_abandoned_temporaries(folder: str) -> None:
    """Temporary files of atomic writes (checkpoints, ``last_checkpoint``)
    whose process has died: half-written bytes, never a checkpoint."""
    if not osp.isdir(folder):
        return
    for name in os.listdir(folder):
        match = _TEMPORARY.match(name)
        if match and not _process_alive(int(match.group(1))):
            os.remove(osp.join(folder, name))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
