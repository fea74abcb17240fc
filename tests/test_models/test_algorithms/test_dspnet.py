"""DSPNet (Wang et al.): sandwich sampling, per-sub-network gradient
accumulation, tiny run."""
import copy

import pytest
import torch
from grad_checks import assert_grads_close, grads_of
from mmengine.optim import OptimWrapper

from slimmm.models.algorithms import DSPNet
from slimmm.models.subnets import SubNet, backward_order

BASE = 12  # tiny "ResNet-34 x 1.5": stage-1 channels {8, 10, 12}
FAMILY = [12, 10, 8]
DEPTHS = [[2, 2, 2, 2], [2, 3, 4, 3], [3, 4, 6, 3]]


def _model(warmup=0.0):
    torch.manual_seed(0)
    return DSPNet(
        backbone=dict(type='slimmm.SlimmableResNet', depth=34,
                      stem_channels=BASE, base_channels=BASE,
                      widths=[c / BASE for c in FAMILY]),
        neck=dict(type='slimmm.SlimmableMLPNeck', in_channels=None,
                  hid_channels=16, out_channels=8, with_bn=True),
        predictor=dict(type='slimmm.SlimmableMLPNeck', in_channels=8,
                       hid_channels=16, out_channels=8, with_bn=True,
                       with_avg_pool=False),
        sampler=dict(schedule='sandwich', num_subnets=4, warmup=warmup,
                     depths=DEPTHS))


def test_sandwich_samples_and_warmup():
    model = _model(warmup=0.1)
    widths = set(model.backbone.widths)
    depths = {tuple(d) for d in DEPTHS}
    total = 200
    for iteration in range(total):
        model.set_progress(iteration, total)
        nets = model.sample_subnets()
        if iteration < 20:  # warm-up: the full network only
            assert nets == [SubNet(1.0, (3, 4, 6, 3))]
            continue
        assert len(nets) == 4
        assert nets[0] == SubNet(1.0, (3, 4, 6, 3))  # largest first
        assert nets[-1] == SubNet(8 / 12, (2, 2, 2, 2))  # smallest last
        for net in nets[1:3]:  # two random members of the family
            assert net.width in widths and net.depth in depths
    # the random picks vary over iterations
    model.set_progress(100, total)
    seen = {tuple(model.sample_subnets()[1:3])}
    for iteration in range(101, 140):
        model.set_progress(iteration, total)
        seen.add(tuple(model.sample_subnets()[1:3]))
    assert len(seen) > 3


def _views(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.rand(4, 3, 16, 16, generator=gen) for _ in range(2)]


def test_accumulated_gradients_equal_summed_loss_gradients():
    model = _model()
    model.set_progress(50, 100)
    reference = copy.deepcopy(model)
    subnets = model.sample_subnets()
    assert len(subnets) == 4 and subnets[1].depth is not None

    captured = {}

    def capture(optimizer, args, kwargs):
        captured.update(grads_of(model))

    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    optim_wrapper.optimizer.register_step_pre_hook(capture)
    data = dict(inputs=_views(), data_samples=None)
    log_vars = model.train_step(copy.deepcopy(data), optim_wrapper)
    assert optim_wrapper.inner_count == 1  # one iteration, counted once
    assert set(log_vars) >= {'loss', 'byol_0', 'byol_3', 'sampled_3'}

    batch = reference.data_preprocessor(copy.deepcopy(data), True)
    losses = reference.loss(batch['inputs'], None)
    losses['loss'].backward()
    assert log_vars['loss'] == pytest.approx(losses['loss'].item(), rel=1e-5)
    assert_grads_close(captured, grads_of(reference))
    # the step happened once and the gradients were cleared
    assert all(p.grad is None or torch.all(p.grad == 0)
               for p in model.parameters())


def test_backward_order_starts_with_the_largest_subnet():
    model = _model()
    model.set_progress(50, 100)
    subnets = model.sample_subnets()  # largest first
    assert backward_order(subnets) == [0, 1, 2, 3]
    # widest first, then deepest; depth None is the full depth
    nets = [SubNet(0.5), SubNet(1.0, (2, 2, 2, 2)), SubNet(1.0)]
    assert backward_order(nets) == [2, 0, 1]
    assert backward_order([SubNet(1.0)]) == [0]


def test_subnet_loss_mode_is_the_subnet_term():
    model = _model()
    views = _views()
    targets = model.subnet_targets(views, model.sample_subnets())
    net = SubNet(10 / 12, (2, 3, 4, 3))
    term = model(views, mode='subnet_loss', subnet=net, targets=targets)
    assert term.requires_grad
    assert term.item() == pytest.approx(
        model.subnet_loss(net, views, targets).item(), rel=1e-6)


def test_target_is_full_network_and_ema_starts_at_0996():
    model = _model()
    assert model.momentum_encoder.momentum == pytest.approx(0.004)
    assert model.momentum_encoder.end_momentum == 0.0
    # the target's backbone keeps all blocks whatever the online depth
    with model.subnet(SubNet(8 / 12, (2, 2, 2, 2))):
        target_backbone = model.momentum_encoder.module[0]
        assert [getattr(s, 'active_blocks', len(s))
                for s in target_backbone.stages] == [3, 4, 6, 3]


@pytest.mark.long
def test_tiny_config_loss_decreases(tiny_imagenet, tmp_path):
    from test_us3l import _train_tiny
    hub = _train_tiny('configs/dspnet/dspnet_slimmable-r18_1xb32-tiny.py',
                      tiny_imagenet['root'], tmp_path, **{
                          'train_cfg.max_epochs': 3,
                          'param_scheduler.1.T_max': 2,
                          'param_scheduler.1.end': 3,
                          'model.sampler.warmup': 1 / 3
                      })
    loss = hub.get_scalar('train/loss').data[0]
    subnets = hub.get_scalar('train/n_subnets').data[0]
    assert list(subnets) == [1] * 12 + [4] * 24  # warm-up: full only
    per_network = loss / subnets  # Eq. 5 term per sampled network
    assert per_network[-3:].mean() < per_network[:3].mean() - 0.5


def test_gradient_accumulation_counts_an_iteration_once():
    """accumulative_counts=2: the first iteration's sub-networks only
    accumulate, the second steps with the mean of both iterations'
    gradients (each term scaled by 1/2, as mmengine scales a loss)."""
    from mmengine.logging import MessageHub
    MessageHub.get_current_instance().update_info('max_iters', 100)  # EMA
    model = _model()
    reference = copy.deepcopy(model)
    steps = []
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1),
                                 accumulative_counts=2)
    optim_wrapper.optimizer.register_step_pre_hook(
        lambda *_: steps.append(grads_of(model)))
    for iteration, seed in ((50, 0), (51, 1)):
        model.set_progress(iteration, 100)
        model.train_step(dict(inputs=_views(seed), data_samples=None),
                         optim_wrapper)
        assert optim_wrapper.inner_count == iteration - 49
        assert len(steps) == iteration - 50
        reference.set_progress(iteration, 100)
        batch = reference.data_preprocessor(
            dict(inputs=_views(seed), data_samples=None), True)
        (reference.loss(batch['inputs'])['loss'] / 2).backward()
    assert_grads_close(steps[0], grads_of(reference))


def test_plain_ddp_path_is_refused_with_the_fix():
    """forward(mode='loss') is what mmengine's MMDistributedDataParallel
    runs: another training path, refused before any compute."""
    with pytest.raises(RuntimeError, match="model_wrapper_cfg=dict"
                       r"\(type='slimmm.SubnetDistributedDataParallel'\)"):
        _model()(_views(), mode='loss')


def test_one_view_is_refused_with_the_fix():
    model = _model()
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match='DSPNet needs two views per image, '
                       'got 1 view'):
        model.train_step(dict(inputs=_views()[:1], data_samples=None),
                         optim_wrapper)
