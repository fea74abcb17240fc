"""slimmm.CPUSyncBN: two gloo processes, each with half of a batch,
normalise, backpropagate and update running statistics exactly as one
process with plain BN on the whole batch; per width member of a switchable
BN and for the sliced BN of a universally slimmable network."""
import os

import pytest
import torch
import torch.distributed as dist
import torch.nn as nn
from mmengine.model import revert_sync_batchnorm
from tool_processes import start_ranks

WIDTHS = [1.0, 0.5]


def build(space, sync):
    from slimmm.models import SlimmableResNet
    torch.manual_seed(0)
    model = SlimmableResNet(
        18, stem_channels=16, base_channels=16, stage_blocks=(1, 1, 1, 1),
        norm_cfg=dict(type='slimmm.CPUSyncBN' if sync else 'BN'), **space)
    return model.train()


def whole_batch():
    torch.manual_seed(1)
    # a large mean: the statistics must not cancel in float32
    return torch.randn(8, 3, 32, 32) * 3 + 5


def step(model, x):
    """Each width: forward, a loss that weighs every output, backward (the
    gradients add up over widths). Returns the outputs."""
    from slimmm.models.ops import using_width
    outputs = {}
    for width in WIDTHS:
        with using_width(model, width):
            out = model(x)[-1]
        outputs[width] = out.detach()
        # the same function of each sample, averaged over the batch
        weight = torch.linspace(-1, 1, out[0].numel()).view(out.shape[1:])
        (out * weight).sum().div(out.shape[0]).backward()
    return outputs


def _rank(rank, port, space, out):
    import slimmm  # noqa: F401
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    model = build(space, sync=True)
    half = whole_batch()[4 * rank:4 * rank + 4]
    outputs = step(model, half)
    grads = {}
    for name, param in model.named_parameters():
        if param.grad is not None:  # average over the ranks, as DDP does
            dist.all_reduce(param.grad)
            grads[name] = param.grad / 2
    torch.save(dict(outputs=outputs, grads=grads,
                    buffers=dict(model.named_buffers())),
               out.format(rank=rank))
    dist.destroy_process_group()


@pytest.mark.parametrize('space', [dict(widths=[1.0, 0.75, 0.5, 0.25]),
                                   dict(width_range=(0.25, 1.0))],
                         ids=['switchable', 'universal'])
def test_two_processes_equal_one_whole_batch(space, tmp_path, free_port):
    from slimmm.models.ops import CPUSyncBatchNorm, SlicedBatchNorm2d
    out = str(tmp_path / 'rank{rank}.pth')
    start_ranks(_rank, (free_port, space, out))
    ranks = [torch.load(out.format(rank=r), weights_only=True)
             for r in (0, 1)]

    synced = build(space, sync=True)
    if 'widths' in space:
        assert any(isinstance(m, CPUSyncBatchNorm) for m in synced.modules())
    else:
        assert all(m.sync for m in synced.modules()
                   if isinstance(m, SlicedBatchNorm2d))
    # One process: plain BN (the CPUSyncBN itself without a group).
    reference = build(space, sync=False)
    outputs = step(reference, whole_batch())
    for width in WIDTHS:
        torch.testing.assert_close(
            torch.cat([r['outputs'][width] for r in ranks]), outputs[width],
            rtol=1e-4, atol=1e-5)
    grads = {n: p.grad for n, p in reference.named_parameters()
             if p.grad is not None}
    assert sorted(grads) == sorted(ranks[0]['grads'])
    for name, grad in grads.items():
        for rank in ranks:
            # float32 sums in another order: 1e-4 of gradients up to ~10
            torch.testing.assert_close(rank['grads'][name], grad, rtol=1e-4,
                                       atol=1e-4, msg=name)
    buffers = dict(reference.named_buffers())
    for name, value in buffers.items():
        for rank in ranks:
            torch.testing.assert_close(rank['buffers'][name], value,
                                       rtol=1e-4, atol=1e-5, msg=name)


def test_one_process_is_plain_bn_and_reverts_nothing():
    from slimmm.models.ops import CPUSyncBatchNorm
    torch.manual_seed(0)
    sync, plain = CPUSyncBatchNorm(4), nn.BatchNorm2d(4)
    x = torch.randn(3, 4, 5, 5)
    torch.testing.assert_close(sync(x), plain(x), rtol=0, atol=0)
    torch.testing.assert_close(sync.running_var, plain.running_var)
    # Not a torch SyncBatchNorm: DDP accepts it on CPU.
    assert not isinstance(sync, nn.SyncBatchNorm)
    assert isinstance(revert_sync_batchnorm(sync), CPUSyncBatchNorm)
