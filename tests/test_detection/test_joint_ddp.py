"""The joint detector under DDP: two gloo processes, each with its own
image, one backward per width (all but the last under ``no_sync``) and one
all-reduce, update the weights exactly as a single process that averages
the two images' summed per-width gradients.

On CPU torch has no SyncBN kernel (``batch_norm_stats`` is CUDA-only), so
the backbone's BN runs on frozen statistics here (``norm_eval``): then the
per-image losses are independent and the single-process reference is
exact. SyncBN itself is covered by the per-width members being real
``nn.SyncBatchNorm`` modules (tests/test_models/test_ops/test_sync_bn.py)
and by the CUDA check."""
import copy
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.optim import OptimWrapper

SAMPLER_SEED = 7


def build_model():
    from test_joint_detector import model_cfg

    from slimmm.models.detectors import build_joint_detector
    cfg = model_cfg()
    cfg['backbone']['norm_eval'] = True
    torch.manual_seed(0)
    return build_joint_detector(cfg).train()


def batch_of(rank: int):
    from test_joint_detector import demo_batch
    return demo_batch(None, seed=10 + rank, batch_size=1)


def _rank(rank: int, port: int, out: str) -> None:
    import slimmm  # noqa: F401
    from slimmm.engine import SubnetDistributedDataParallel
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    model = build_model()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    ddp = SubnetDistributedDataParallel(model, broadcast_buffers=False)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1.0))
    torch.manual_seed(SAMPLER_SEED)
    ddp.train_step(batch_of(rank), wrapper)
    if rank == 0:
        torch.save({n: before[n] - p.detach()
                    for n, p in model.named_parameters()}, out)
    dist.destroy_process_group()


def test_two_gloo_processes_match_single_process_reference(tmp_path,
                                                           free_port):
    import sys
    sys.path.insert(0, os.path.dirname(__file__))
    out = str(tmp_path / 'update.pth')
    mp.spawn(_rank, args=(free_port, out), nprocs=2, join=True)
    update = torch.load(out, weights_only=True)

    model = build_model()
    for rank in (0, 1):
        replica = copy.deepcopy(model)
        torch.manual_seed(SAMPLER_SEED)
        batch = replica.data_preprocessor(batch_of(rank), True)
        for width in replica.train_widths:
            loss, _ = replica.parse_losses(
                replica(**batch, mode='loss', width=width))
            (loss / 2).backward()
        for (name, param), own in zip(model.named_parameters(),
                                      replica.parameters()):
            if own.grad is not None:
                param.grad = own.grad if param.grad is None else \
                    param.grad + own.grad
    compared = 0
    for name, param in model.named_parameters():
        expected = param.grad if param.grad is not None else \
            torch.zeros_like(param)
        torch.testing.assert_close(update[name], expected, rtol=1e-4,
                                   atol=1e-6, msg=name)
        compared += param.grad is not None
    assert compared > 100
