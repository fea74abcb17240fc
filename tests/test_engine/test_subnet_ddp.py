"""SubnetDistributedDataParallel: DSPNet's per-sub-network backward under
DDP (two gloo processes) gives the parameters of one averaged step, with
one all-reduce per iteration; SlimCLR-MoCov3's per-width backward gives
one-graph DDP's gradients; tools/train.py trains the tiny DSPNet config
with it as two gloo ranks."""
import os.path as osp
import random
import sys

import pytest
import torch
import torch.multiprocessing as mp
from mmengine.optim import OptimWrapper
from test_slimclr_runner import REPO, train_two_gloo_ranks
from tool_processes import start_ranks

from slimmm.engine import SubnetDistributedDataParallel
from slimmm.models.algorithms import DSPNet
from slimmm.models.subnets import backward_order

# the algorithm tests' builders and gradient checks (also in the workers,
# which import this module)
sys.path.insert(0, osp.join(REPO, 'tests/test_models/test_algorithms'))
from grad_checks import assert_grads_close  # noqa: E402

TINY = osp.join(REPO, 'configs/dspnet/dspnet_slimmable-r18_1xb32-tiny.py')
WIDTHS = [1.0, 0.75, 0.5]  # 8, 6, 4 stage-1 channels
DEPTHS = [[1, 1, 1, 1], [2, 2, 1, 1]]
MAX_ITERS, ITERS, PER_RANK, LR = 10, (4, 5), 4, 0.5


def build_dspnet():
    torch.manual_seed(0)
    return DSPNet(
        backbone=dict(type='slimmm.SlimmableResNet', depth=18,
                      stage_blocks=(2, 2, 1, 1), stem_channels=8,
                      base_channels=8, widths=WIDTHS),
        neck=dict(type='slimmm.SlimmableMLPNeck', in_channels=None,
                  hid_channels=16, out_channels=8, with_bn=True),
        predictor=dict(type='slimmm.SlimmableMLPNeck', in_channels=8,
                       hid_channels=16, out_channels=8, with_bn=True,
                       with_avg_pool=False),
        sampler=dict(schedule='sandwich', num_subnets=4, depths=DEPTHS))


def batch(iteration, rank):
    """Rank ``rank``'s half of the iteration's batch of 2 x PER_RANK."""
    gen = torch.Generator().manual_seed(iteration)
    views = [torch.rand(2 * PER_RANK, 3, 32, 32, generator=gen)
             for _ in range(2)]
    return [v[rank * PER_RANK:(rank + 1) * PER_RANK] for v in views]


def reference_step(model, optimizer, iteration):
    """Both ranks' work in one process: the target updated once, each
    half through every sub-network with BN statistics of that half only
    (as on its rank), DDP's mean of the two halves' gradients, one step."""
    model.set_progress(iteration, MAX_ITERS)
    subnets = model.sample_subnets()
    # the momentum encoder updated once, as on each rank
    momentum_encoder = model.momentum_encoder
    momentum_encoder.update_parameters(
        torch.nn.Sequential(model.backbone, model.neck))
    halves = []
    for rank in range(2):
        views = model.data_preprocessor(
            dict(inputs=batch(iteration, rank), data_samples=None),
            True)['inputs']
        with torch.no_grad():
            targets = (momentum_encoder(views[0])[0],
                       momentum_encoder(views[1])[0])
        optimizer.zero_grad()
        for index in backward_order(subnets):
            model.subnet_loss(subnets[index], views, targets).backward()
        halves.append({n: p.grad.clone() for n, p in model.named_parameters()
                       if p.grad is not None})
    grads = {n: (halves[0][n] + halves[1][n]) / 2 for n in halves[0]}
    for name, param in model.named_parameters():
        param.grad = grads.get(name)
    optimizer.step()
    return subnets, grads


def _counting_allreduce(calls, bucket):
    from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import \
        allreduce_hook
    calls.append(bucket.index())
    return allreduce_hook(None, bucket)


def _ddp_worker(rank, port, result):
    import torch.distributed as dist
    from mmengine.logging import MessageHub

    # CosineEMA reads the run length from the message hub.
    MessageHub.get_current_instance().update_info('max_iters', MAX_ITERS)
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    try:
        model = build_dspnet()
        # The sampler must not depend on a rank's global random state.
        torch.manual_seed(100 + rank)
        random.seed(100 + rank)
        # device_ids as the Runner passes them: dropped on CPU.
        ddp = SubnetDistributedDataParallel(model, device_ids=[rank],
                                            broadcast_buffers=False)
        calls = []
        ddp.register_comm_hook(calls, _counting_allreduce)
        optim_wrapper = OptimWrapper(
            torch.optim.SGD(model.parameters(), lr=LR))
        grads = []
        optim_wrapper.optimizer.register_step_pre_hook(
            lambda *args: grads.append(
                {n: p.grad.clone() for n, p in model.named_parameters()
                 if p.grad is not None}))
        out = dict(subnets=[], calls=[], loss=[])
        for iteration in ITERS:
            model.set_progress(iteration, MAX_ITERS)
            out['subnets'].append(model.sample_subnets())
            del calls[:]
            log_vars = ddp.train_step(
                dict(inputs=batch(iteration, rank), data_samples=None),
                optim_wrapper)
            out['calls'].append(list(calls))
            out['loss'].append(float(log_vars['loss']))
        out.update(
            grads=grads, inner_count=optim_wrapper.inner_count,
            target_steps=int(model.momentum_encoder.steps),
            params={n: p.detach().clone()
                    for n, p in model.named_parameters()})
        if rank == 0:  # the single-process reference, same numerics
            ref = build_dspnet()
            optimizer = torch.optim.SGD(ref.parameters(), lr=LR)
            steps = [reference_step(ref, optimizer, i) for i in ITERS]
            out['ref_subnets'] = [s for s, _ in steps]
            out['ref_grads'] = [g for _, g in steps]
            out['ref_params'] = {n: p.detach().clone()
                                 for n, p in ref.named_parameters()}
        result[rank] = out
    finally:
        dist.destroy_process_group()


def test_two_ranks_equal_one_averaged_step(free_port):
    manager = mp.Manager()
    result = manager.dict()
    start_ranks(_ddp_worker, (free_port, result))
    rank0, rank1 = result[0], result[1]
    # Same sub-networks on both ranks (and as the reference), full
    # sandwich: largest, two random, smallest.
    assert rank0['subnets'] == rank1['subnets'] == rank0['ref_subnets']
    for subnets in rank0['subnets']:
        assert len(subnets) == 4 and subnets[0].width == 1.0
    # One optimizer step and one target (EMA) update per iteration.
    assert rank0['inner_count'] == rank1['inner_count'] == len(ITERS)
    assert rank0['target_steps'] == rank1['target_steps'] == len(ITERS)
    # Every gradient bucket all-reduced exactly once per iteration: the
    # first three sub-networks' backwards ran under no_sync.
    for calls in rank0['calls'] + rank1['calls']:
        assert calls and sorted(calls) == list(range(len(calls))), calls
    # Each rank's loss is its own half's (they see different images).
    assert rank0['loss'] != rank1['loss']
    # Gradients at each step are the mean of the two halves' gradients,
    # on both ranks, and the parameters (online, predictor, EMA target)
    # after two steps are the reference's.
    # (float summation order may differ; on CPU it is bit-identical)
    for step, expected in enumerate(rank0['ref_grads']):
        for rank, out in enumerate((rank0, rank1)):
            assert_grads_close(out['grads'][step], expected, rel=1e-6,
                               what=f'rank {rank} step {step}')
    assert any('norms.0_5' in name for name in expected)
    for rank, out in enumerate((rank0, rank1)):
        assert_grads_close(out['params'], rank0['ref_params'], rel=1e-6,
                           what=f'rank {rank} params')
    for name, value in rank0['params'].items():
        assert torch.equal(value, rank1['params'][name]), name


def test_wrapper_is_in_slimmms_scope_and_rejects_other_models():
    from mmengine.registry import MODEL_WRAPPERS as ROOT

    from slimmm.registry import MODEL_WRAPPERS
    assert ROOT.get('slimmm.SubnetDistributedDataParallel') is \
        SubnetDistributedDataParallel
    assert MODEL_WRAPPERS.get('SubnetDistributedDataParallel') is \
        SubnetDistributedDataParallel
    assert 'SubnetDistributedDataParallel' not in ROOT.module_dict
    with pytest.raises(TypeError, match='Linear'):
        SubnetDistributedDataParallel(torch.nn.Linear(2, 2))


def test_cpu_fallback_keeps_the_configs_wrapper(monkeypatch):
    if torch.cuda.is_available():
        pytest.skip('checks the CPU (gloo) path')
    from slimmm.apis import load_config
    monkeypatch.setenv('WORLD_SIZE', '2')
    mocov3 = osp.join(REPO,
                      'configs/slimclr/slimclr-mocov3_slimmable-r18_1xb32'
                      '-tiny.py')
    # Every algorithm (one runtime base): the wrapper of train_step.
    mocov2 = osp.join(REPO,
                      'configs/slimclr/slimclr-mocov2_slimmable-r18_1xb32'
                      '-tiny.py')
    for config in (TINY, mocov3, mocov2):
        wrapper = load_config(config).model_wrapper_cfg
        assert wrapper == dict(type='slimmm.SubnetDistributedDataParallel',
                               broadcast_buffers=False,
                               find_unused_parameters=True), config


def test_dist_train_two_cpu_processes(tiny_imagenet, tmp_path, free_port):
    if torch.cuda.is_available():
        pytest.skip('checks the CPU (gloo) path')
    work_dir = str(tmp_path / 'dist')
    options = [
        f'train_dataloader.dataset.data_root={tiny_imagenet["root"]}',
        'model.backbone.stem_channels=8', 'model.backbone.base_channels=8',
        'model.backbone.stage_blocks=(2,2,2,2)',
        'model.backbone.widths=[1.0,0.75,0.5]',
        'model.sampler.depths=[[1,1,1,1],[2,2,2,2]]',
        'model.sampler.warmup=0.0', 'model.neck.hid_channels=32',
        'model.predictor.hid_channels=32',
        'default_hooks.checkpoint.interval=1',
    ]
    log = train_two_gloo_ranks(TINY, work_dir, options, free_port)
    # The config's wrapper survived the CPU fallback (rank 0 logs).
    assert 'SubnetDistributedDataParallel: DSPNet backpropagates one ' \
        'sub-network at a time' in log


def _mocov3_worker(rank, port, out):
    """SlimCLR-MoCov3 on two ranks: SubnetDistributedDataParallel (one
    backward per width) against the one-graph loss() on each rank with the
    gradients averaged over the ranks (what DDP computes), from the same
    state and batch."""
    import copy

    import torch.distributed as dist
    from grad_checks import grads_of
    from test_slimclr import build_mocov3, views
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    try:
        model = build_mocov3()
        model.set_progress(7, 10)  # after slow start: all four widths
        reference = copy.deepcopy(model)
        data = dict(inputs=views(seed=20 + rank), data_samples=None)
        grads = {}
        optim_wrapper = OptimWrapper(
            torch.optim.SGD(model.parameters(), lr=0.1))
        optim_wrapper.optimizer.register_step_pre_hook(
            lambda *args: grads.update(grads_of(model)))
        ddp = SubnetDistributedDataParallel(model, broadcast_buffers=False)
        log_vars = ddp.train_step(copy.deepcopy(data), optim_wrapper)

        batch = reference.data_preprocessor(data, True)
        loss = reference.loss(batch['inputs'])['loss']
        loss.backward()
        one_graph = grads_of(reference)
        for grad in one_graph.values():
            dist.all_reduce(grad)
            grad /= 2
        torch.save([(grads, float(log_vars['loss'])),
                    (one_graph, float(loss))], out.format(rank=rank))
    finally:
        dist.destroy_process_group()


def test_mocov3_per_width_backward_under_ddp(free_port, tmp_path):
    """The in-batch negatives come from both ranks, the per-width
    backwards accumulate under no_sync and all-reduce once: the averaged
    gradients and the loss equal those of the one-graph loss."""
    # Files, not a multiprocessing.Manager: the manager's teardown with
    # gradient dicts in it took 10-17 s.
    out = str(tmp_path / 'rank{rank}.pth')
    start_ranks(_mocov3_worker, (free_port, out))
    result = [torch.load(out.format(rank=r), weights_only=True)
              for r in (0, 1)]
    for rank in range(2):
        (per_width, loss), (one_graph, ref_loss) = result[rank]
        assert loss == pytest.approx(ref_loss, rel=1e-5)
        assert any('norms.0_25' in name for name in one_graph)
        assert_grads_close(per_width, one_graph)
    # the ranks saw different images but hold the same averaged gradients
    assert result[0][0][1] != result[1][0][1]
    for name, grad in result[0][0][0].items():
        assert torch.allclose(grad, result[1][0][0][name], atol=1e-6), name
