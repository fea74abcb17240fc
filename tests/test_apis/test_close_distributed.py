"""close_distributed: both ranks leave the gloo group at the end of a run
(tools/train.py and tools/test.py call it), and it is a no-op without one."""
import torch.distributed as dist
import torch.multiprocessing as mp
from tool_processes import start_ranks

from slimmm.apis.cpu_dist import close_distributed


def _worker(rank, port, result):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    close_distributed()
    result[rank] = int(dist.is_initialized())


def test_both_ranks_leave_the_group(free_port):
    result = mp.Manager().dict()
    start_ranks(_worker, (free_port, result))
    assert dict(result) == {0: 0, 1: 0}


def test_noop_without_a_process_group():
    assert not dist.is_initialized()
    close_distributed()
    assert not dist.is_initialized()
