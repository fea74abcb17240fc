"""SlimCLR-MoCov2 / MoCov3: slow start, Eq. 7 from the logged terms, the
queue, baselines, and the queue under DDP (two gloo processes)."""
import pytest
import torch
import torch.multiprocessing as mp
from grad_checks import assert_grads_close, grads_of
from tool_processes import start_ranks

from slimmm.models.losses import slimclr_loss_weights, slimclr_total_loss
from slimmm.registry import MODELS

WIDTHS = [1.0, 0.75, 0.5, 0.25]
# A small slimmable ResNet (one block per stage, 16 base channels) keeps
# each loss call well under a second on two CPU cores.
BACKBONE = dict(type='slimmm.SlimmableResNet', depth=18,
                stage_blocks=(1, 1, 1, 1), stem_channels=16, base_channels=16,
                widths=WIDTHS)


def build_mocov2(**kwargs):
    torch.manual_seed(0)
    cfg = dict(
        type='SlimCLRMoCoV2',
        backbone=BACKBONE,
        neck=dict(type='SlimmableMoCoV2Neck', in_channels=None,
                  hid_channels=32, out_channels=16),
        queue_len=16, feat_dim=16)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def views(batch=4, size=16, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return [torch.rand(batch, 3, size, size, generator=generator)
            for _ in range(2)]


def switchable_bn_members(model):
    for name, param in model.backbone.named_parameters():
        if '.norms.' in name:
            yield name.split('.norms.')[1].split('.')[0], name, param


def test_slow_start_trains_only_the_full_width():
    model = build_mocov2()
    model.set_progress(4, 10)  # S = half: iteration 4 of 10 is before S
    assert [n.width for n in model.sample_subnets()] == [1.0]
    losses = model.loss(views())
    assert float(losses['n_subnets']) == 1
    losses['loss'].backward()
    for key, name, param in switchable_bn_members(model):
        if key == '1':
            assert param.grad is not None and param.grad.abs().sum() > 0
        else:  # members of widths < 1 never ran: no gradient at all
            assert param.grad is None or not param.grad.any(), name

    model.zero_grad()
    model.set_progress(5, 10)
    assert [n.width for n in model.sample_subnets()] == WIDTHS
    model.loss(views())['loss'].backward()
    grads = {key: param.grad for key, _, param in
             switchable_bn_members(model)}
    assert grads['0_25'] is not None and grads['0_25'].abs().sum() > 0


def test_loss_is_eq7_of_logged_terms_and_logs_are_not_summed():
    model = build_mocov2()
    model.set_progress(9, 10)
    losses = model.loss(views())
    base = {w: losses[f'w{w:g}_infonce'] for w in WIDTHS}
    distill = {w: losses[f'w{w:g}_distill'] for w in WIDTHS[1:]}
    expected = slimclr_total_loss(base, distill,
                                  slimclr_loss_weights(WIDTHS, 1))
    assert float(losses['loss']) == pytest.approx(float(expected), rel=1e-6)
    assert [float(losses[f'sampled_{i}']) for i in range(4)] == WIDTHS
    total, log_vars = model.parse_losses(losses)
    assert float(total) == pytest.approx(float(losses['loss']))
    assert [k for k in log_vars if 'loss' in k] == ['loss']


def test_queue_holds_latest_keys_and_rejects_bad_batch():
    model = build_mocov2(shuffle_bn=False)
    model.set_progress(0, 10)
    inputs = views()
    model.loss(inputs)
    assert int(model.queue_ptr) == 4
    keys = torch.nn.functional.normalize(
        model.momentum_encoder(inputs[1])[0], dim=1)
    assert torch.allclose(model.queue[:, :4].t(), keys, atol=1e-5)
    with pytest.raises(ValueError, match='multiple of the global batch'):
        model.loss(views(batch=3))


@pytest.mark.parametrize('terms, manner', [('infonce', None),
                                           ('distill', None)])
def test_baselines(terms, manner):
    model = build_mocov2(subnet_terms=terms, loss_weight_manner=manner,
                         sampler=dict(schedule='all'))
    model.set_progress(0, 10)
    losses = model.loss(views())
    base = [float(losses[f'w{w:g}_infonce']) for w in WIDTHS]
    if terms == 'infonce':  # Eq. 2: plain sum
        assert float(losses['loss']) == pytest.approx(sum(base), rel=1e-5)
        assert 'w0.5_distill' not in losses
    else:  # full InfoNCE + sub-network distillation only
        distill = [float(losses[f'w{w:g}_distill']) for w in WIDTHS[1:]]
        assert float(losses['loss']) == pytest.approx(
            base[0] + sum(distill), rel=1e-5)


def test_single_width_static_baseline():
    model = build_mocov2(backbone=dict(BACKBONE, width=0.5))
    assert [n.width for n in model.sample_subnets()] == [0.5]
    losses = model.loss(views())
    assert set(k for k in losses if k.endswith('_infonce')) == \
        {'w0.5_infonce'}
    assert model.neck.mlp[0].in_features == 64  # int(16 * .5) * 8


def build_mocov3(**kwargs):
    from mmengine.logging import MessageHub
    MessageHub.get_current_instance().update_info('max_iters', 10)
    torch.manual_seed(0)
    mlp = dict(type='SlimmableMLPNeck', slim_hidden=True, with_bn=True,
               with_last_bn=True, with_last_bn_affine=False, with_bias=False,
               with_last_bias=False)
    return MODELS.build(dict(
        type='SlimCLRMoCoV3',
        backbone=BACKBONE,
        neck=dict(mlp, in_channels=None, hid_channels=32, out_channels=16),
        predictor=dict(mlp, in_channels=16, hid_channels=32, out_channels=16,
                       with_avg_pool=False),
        **kwargs))


def test_mocov3_in_batch_symmetric():
    model = build_mocov3()
    # Hidden layers are slimmed with the width, one BN per width.
    assert set(model.predictor.mlp[1].norms.keys()) == \
        {'1', '0_75', '0_5', '0_25'}
    model.set_progress(7, 10)
    losses = model.loss(views())
    assert float(losses['n_subnets']) == 4
    losses['loss'].backward()
    assert model.predictor.mlp[0].weight.grad[:8].abs().sum() > 0


@pytest.mark.parametrize('algorithm,terms,manner', [
    ('mocov3', 'both', 1), ('mocov3', 'infonce', None),
    ('mocov3', 'distill', 3), ('mocov2', 'both', 1),
    ('mocov2', 'infonce', None)])
def test_backward_per_width_equals_one_backward(algorithm, terms, manner):
    """train_step backpropagates each width in turn (the full width first,
    its detached logits the distillation targets): the gradients, the
    logged loss and per-width terms of Eq. 7 in one graph (loss()); for
    MoCov2 also the queue after the step."""
    import copy

    from mmengine.optim import OptimWrapper
    build = build_mocov3 if algorithm == 'mocov3' else build_mocov2
    model = build(subnet_terms=terms, loss_weight_manner=manner)
    model.set_progress(7, 10)
    reference = copy.deepcopy(model)
    captured = {}

    def capture(optimizer, args, kwargs):
        captured.update(grads_of(model))

    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    optim_wrapper.optimizer.register_step_pre_hook(capture)
    backbone_calls = []
    model.backbone.register_forward_hook(
        lambda *_: backbone_calls.append(model.backbone.conv1.width))
    data = dict(inputs=views(), data_samples=None)
    log_vars = model.train_step(copy.deepcopy(data), optim_wrapper)
    assert optim_wrapper.inner_count == 1
    # every width, the full width first (MoCov3: both views; MoCov2: the
    # queries' view)
    views_per_width = 2 if algorithm == 'mocov3' else 1
    assert backbone_calls == [w for w in WIDTHS
                              for _ in range(views_per_width)]

    batch = reference.data_preprocessor(copy.deepcopy(data), True)
    losses = reference.loss(batch['inputs'])
    losses['loss'].backward()
    logged = [k for k in losses if k.endswith(('_infonce', '_distill'))]
    assert len(logged) == {'both': 7, 'infonce': 4, 'distill': 7}[terms]
    for key in ['loss'] + logged:
        assert log_vars[key] == pytest.approx(losses[key].item(), rel=1e-5)
    assert_grads_close(captured, grads_of(reference))
    if algorithm == 'mocov2':  # this iteration's keys joined the queue
        assert torch.equal(model.queue, reference.queue)
        assert int(model.queue_ptr) == int(reference.queue_ptr) == 4
    # Eq. 7 of the logged terms (slimclr_total_loss, pinned by hand in
    # test_slimclr_losses)
    base = {w: losses[f'w{w:g}_infonce'] for w in WIDTHS}
    distill = {w: losses[f'w{w:g}_distill'] for w in WIDTHS[1:]
               if f'w{w:g}_distill' in losses}
    expected = slimclr_total_loss(base, distill,
                                  slimclr_loss_weights(WIDTHS, manner), terms)
    assert float(losses['loss']) == pytest.approx(float(expected), rel=1e-5)


def test_mocov3_subnet_loss_needs_the_full_width_first():
    model = build_mocov3()
    model.set_progress(7, 10)
    subnets = model.sample_subnets()
    targets = model.subnet_targets(views(), subnets)
    with pytest.raises(RuntimeError, match='full width must run first'):
        model.subnet_loss(subnets[1], views(), targets)


# ---- DDP: two gloo processes ----------------------------------------------
def _queue_worker(rank, port, result):
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    try:
        # Without shuffling BN each rank's keys depend on its own batch
        # only, so they can be recomputed exactly below.
        model = build_mocov2(shuffle_bn=False)
        model.set_progress(0, 10)
        inputs = views(seed=10 + rank)  # different images on each rank
        model.loss(inputs)
        # Keys of this rank's view 2 recomputed by the (just updated)
        # momentum network on the same local batch.
        model.shuffle_bn = False
        with torch.no_grad():
            own = torch.nn.functional.normalize(
                model.momentum_encoder(inputs[1])[0], dim=1)
        # Shuffling BN across ranks: same permutation on both ranks, and
        # unshuffling restores this rank's batch.
        shuffled, inverse = model.shuffle_across_ranks(inputs[1])
        restored = model.unshuffle_across_ranks(shuffled, inverse)
        result[rank] = (model.queue[:, :8].t().clone(), own.clone(),
                        int(model.queue_ptr), inverse.clone(),
                        torch.equal(restored, inputs[1]))
    finally:
        dist.destroy_process_group()


def test_queue_holds_both_ranks_keys(free_port):
    manager = mp.Manager()
    result = manager.dict()
    start_ranks(_queue_worker, (free_port, result))
    queue0, own0, ptr0, inverse0, restored0 = result[0]
    queue1, own1, ptr1, inverse1, restored1 = result[1]
    assert restored0 and restored1 and torch.equal(inverse0, inverse1)
    assert ptr0 == ptr1 == 8  # 2 ranks x 4 keys
    assert torch.equal(queue0, queue1)
    # Rank 0's keys first, then rank 1's.
    assert not torch.allclose(own0, own1, atol=1e-3)
    assert torch.allclose(queue0[:4], own0, atol=1e-5)
    assert torch.allclose(queue0[4:], own1, atol=1e-5)


@pytest.mark.parametrize('build', [build_mocov2, build_mocov3])
def test_one_view_is_refused_with_the_fix(build):
    model = build()
    model.set_progress(7, 10)
    with pytest.raises(ValueError, match=r'needs two views per image, got 1 '
                       r'view\(s\)\. Use a two-view pipeline .*MultiView'):
        model.loss(views()[:1])
    from mmengine.optim import OptimWrapper
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match='got a Tensor'):
        model.train_step(dict(inputs=views()[0], data_samples=None),
                         optim_wrapper)


@pytest.mark.parametrize('build', [build_mocov2, build_mocov3])
def test_unknown_objective_options_fail_at_build(build):
    with pytest.raises(ValueError, match=r"subnet_terms must be one of "
                       r"\('both', 'infonce', 'distill'\), got 'kl'"):
        build(subnet_terms='kl')
    with pytest.raises(ValueError, match=r'manner must be one of '
                       r'\(1, 2, 3, 4\).*got 7'):
        build(loss_weight_manner=7)
