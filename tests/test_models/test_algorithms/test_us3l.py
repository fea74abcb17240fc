"""US3L (Cao et al., CVPR 2023): dynamic sampling, Eq. 3 loss, tiny run."""
import copy
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from slimmm.models.algorithms import US3L
from slimmm.models.subnets import SubNet

REPO = Path(__file__).resolve().parents[3]


def _model(sampler=None, hid=16, dim=8):
    torch.manual_seed(0)
    return US3L(
        backbone=dict(type='slimmm.SlimmableResNet', depth=18,
                      stem_channels=16, base_channels=16,
                      width_range=(0.25, 1.0)),
        neck=dict(type='slimmm.SlimmableMLPNeck', in_channels=None,
                  hid_channels=hid, out_channels=dim, with_bn=True),
        distill_head=dict(type='slimmm.SlimmableMLPNeck', in_channels=dim,
                          hid_channels=hid, out_channels=dim, with_bn=True,
                          with_avg_pool=False),
        sampler=sampler)


def test_dynamic_sampling_per_phase_and_eq12():
    model = _model()  # default sampler: dynamic sampling
    total = 400
    for iteration in range(total):
        model.set_progress(iteration, total)
        nets = model.sample_subnets()
        quarter = iteration // (total // 4)
        if quarter == 0:  # first quarter: the largest network only
            assert nets == [SubNet(1.0)]
            continue
        smallest = 1.0 - 0.25 * quarter  # 0.75 -> 0.5 -> 0.25
        assert len(nets) == 3
        assert nets[0].width == 1.0
        assert nets[1].width == pytest.approx(smallest)
        assert smallest <= nets[2].width <= 1.0
    # Eq. 12: 1 x T/4 + 3 x 3T/4 = 2.5 T forwards over the run
    assert model.width_sampler.expected_forwards(total) == 2.5 * total
    # resume: the same iteration samples the same random width
    model.set_progress(321, total)
    first = model.sample_subnets()
    model.set_progress(5, total)
    model.sample_subnets()
    model.set_progress(321, total)
    assert model.sample_subnets() == first


def _nt_xent_by_hand(q, k, tau):
    """Eq. 2 written out row by row (float64)."""
    x = [F.normalize(v, dim=0) for v in torch.cat([q, k]).double()]
    n = q.shape[0]
    total = 0.0
    for i in range(2 * n):
        pos = (i + n) % (2 * n)
        num = math.exp(float(x[i] @ x[pos]) / tau)
        den = sum(math.exp(float(x[i] @ x[j]) / tau)
                  for j in range(2 * n) if j != i)
        total += -math.log(num / den)
    return total / (2 * n)


def _mse_by_hand(s, t):
    s, t = F.normalize(s.double(), dim=1), F.normalize(t.double(), dim=1)
    return float(((s - t)**2).sum() / s.shape[0])


def test_loss_equals_hand_computed_infonce_plus_mse():
    sampler = dict(phases=[dict(until=1.0, picks=['max', 'min'],
                                min_width=0.5)])
    model = _model(sampler)
    gen = torch.Generator().manual_seed(1)
    views = [torch.randn(4, 3, 16, 16, generator=gen) for _ in range(2)]
    model.loss(views, None)  # first EMA update copies the online weights
    with torch.no_grad():  # make online and momentum networks differ
        for p in model.backbone.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=gen))
    old_target = copy.deepcopy(model.momentum_encoder.module.state_dict())
    losses = model.loss(views, None)

    # EMA with m = 0.99 (momentum 1 - m = 0.01)
    online = dict(model.backbone.named_parameters())
    w = 'conv1.weight'
    assert torch.allclose(
        model.momentum_encoder.module[0].state_dict()[w],
        0.99 * old_target['0.' + w] + 0.01 * online[w].detach(), atol=1e-7)

    with torch.no_grad():
        k1, k2 = (model.momentum_encoder(v)[0] for v in views)
        q1, q2 = (model.project(v) for v in views)
        base = (_nt_xent_by_hand(q1, k2, 0.5) +
                _nt_xent_by_hand(q2, k1, 0.5)) / 2
        with model.subnet(SubNet(0.5)):
            s1, s2 = (model.distill_head(model.project(v))[0]
                      for v in views)
        distill = _mse_by_hand(s1, k2) + _mse_by_hand(s2, k1)
    assert losses['loss_base'].item() == pytest.approx(base, rel=1e-5)
    assert losses['loss_distill'].item() == pytest.approx(distill, rel=1e-5)
    assert losses['sampled_1'].item() == 0.5
    # the sub-network's gradient reaches only its active channels
    model.zero_grad()
    losses['loss_distill'].backward()
    grad = model.backbone.conv1.weight.grad
    # (width 0.5 of 16 stem channels: 8, a multiple of the universal
    # network's channel divisor 8)
    assert grad[:8].abs().sum() > 0 and torch.all(grad[8:] == 0)


def test_backward_per_width_equals_one_backward():
    """train_step (L_Base of the largest, then each sampled width's
    L_Distill, one backward each) gives the gradients and logged terms of
    Eq. 3 in one graph (loss())."""
    from grad_checks import assert_grads_close, grads_of
    from mmengine.optim import OptimWrapper
    model = _model()
    model.set_progress(90, 100)  # after the first quarter: 3 widths
    reference = copy.deepcopy(model)
    captured = {}
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    optim_wrapper.optimizer.register_step_pre_hook(
        lambda *_: captured.update(grads_of(model)))
    gen = torch.Generator().manual_seed(2)
    data = dict(inputs=[torch.rand(4, 3, 16, 16, generator=gen)
                        for _ in range(2)], data_samples=None)
    log_vars = model.train_step(copy.deepcopy(data), optim_wrapper)
    assert optim_wrapper.inner_count == 1
    batch = reference.data_preprocessor(copy.deepcopy(data), True)
    losses = reference.loss(batch['inputs'], None)
    assert float(losses['n_subnets']) == 3
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    for key in ('loss', 'loss_base', 'loss_distill', 'distill_1',
                'distill_2'):
        expected = sum(v for k, v in losses.items() if 'loss' in k) \
            if key == 'loss' else losses[key]
        assert log_vars[key] == pytest.approx(float(expected), rel=1e-5)
    assert_grads_close(captured, grads_of(reference))


def test_two_views_required():
    with pytest.raises(ValueError, match='two views'):
        _model().loss([torch.randn(2, 3, 32, 32)], None)


def _train_tiny(config, data_root, work_dir, **options):
    """Run a tiny config through the stock Runner; returns its message hub
    (the logged scalars of every iteration)."""
    from mmengine.runner import Runner

    from slimmm.apis import load_config
    cfg = load_config(str(REPO / config), cfg_options={
        'train_dataloader.dataset.data_root': data_root,
        'work_dir': str(work_dir),
        'default_hooks.logger.interval': 1000,
        **options
    })
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner.message_hub


@pytest.mark.long
def test_tiny_config_loss_decreases(tiny_imagenet, tmp_path):
    hub = _train_tiny('configs/us3l/us3l_us-r18_1xb32-tiny.py',
                      tiny_imagenet['root'], tmp_path, **{
                          'train_cfg.max_epochs': 4,
                          'param_scheduler.0.T_max': 4,
                          'param_scheduler.0.end': 4
                      })
    base = hub.get_scalar('train/loss_base').data[0]
    widths = hub.get_scalar('train/n_subnets').data[0]
    assert len(base) == 4 * 12
    # dynamic sampling: the largest network alone for the first quarter
    assert list(widths[:12]) == [1] * 12 and list(widths[12:]) == [3] * 36
    assert base[-3:].mean() < base[:3].mean() - 0.1
    distill = hub.get_scalar('train/loss_distill').data[0]
    assert distill[-3:].mean() < distill[:3].mean()
