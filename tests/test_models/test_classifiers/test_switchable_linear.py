"""SwitchableLinearClassifier: independent per-width heads, frozen backbone,
distillation formula, slimmable head slicing, BN calibration per width and
the errors raised before training."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from slimmm.models import (SlimmableResNet, SwitchableLinearClassifier,
                           calibrate_bn, soft_cross_entropy,
                           switchable_probe_losses)

WIDTHS = [1.0, 0.5]


def tiny_backbone(**kwargs):
    kwargs.setdefault('widths', WIDTHS)
    return dict(type='slimmm.SlimmableResNet', depth=18, stem_channels=8,
                base_channels=8, **kwargs)


def build(**kwargs):
    torch.manual_seed(0)
    kwargs.setdefault('backbone', tiny_backbone())
    model = SwitchableLinearClassifier(num_classes=5, **kwargs)
    model.init_weights()
    return model


def batch(n=6, seed=1):
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 3, 32, 32, generator=g)
    labels = torch.randint(0, 5, (n, ), generator=g)
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    return inputs, samples, labels


def snapshot(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def changed(before, module):
    return sorted(k for k, v in module.state_dict().items()
                  if not torch.equal(before[k], v))


def test_heads_are_independent():
    model = build(distill='mixed')
    model.train()
    inputs, samples, _ = batch()
    heads, backbone = snapshot(model.heads), snapshot(model.backbone)
    optim = torch.optim.SGD(model.parameters(), lr=0.5)
    losses = model.loss(inputs, samples)
    assert sorted(losses) == ['loss_w0_5', 'loss_w1']
    # Only width 0.5's loss (CE + distillation from the full width's
    # prediction): the full width's head must not move (teacher detached).
    losses['loss_w0_5'].backward()
    optim.step()
    assert changed(heads, model.heads) == ['0_5.bias', '0_5.weight']
    assert changed(backbone, model.backbone) == []


def test_frozen_backbone_bit_identical_through_training():
    model = build(distill='mixed')
    model.train()
    assert not model.backbone.training  # BN statistics stay pretrained
    assert all(not p.requires_grad for p in model.backbone.parameters())
    before = snapshot(model.backbone)
    optim = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=1.0,
        momentum=0.9)
    heads = snapshot(model.heads)
    for step in range(3):
        inputs, samples, _ = batch(seed=step)
        loss = sum(model.loss(inputs, samples).values())
        optim.zero_grad()
        loss.backward()
        optim.step()
    assert changed(before, model.backbone) == []
    assert len(changed(heads, model.heads)) == 4


def test_distillation_formula():
    torch.manual_seed(0)
    full, sub = torch.randn(4, 5), torch.randn(4, 5)
    labels = torch.tensor([0, 1, 2, 3])
    tau = 2.0
    p_full = F.softmax(full / tau, 1)
    expected_kd = -(p_full * F.log_softmax(sub / tau, 1)).sum(1).mean() * 4
    assert torch.allclose(soft_cross_entropy(sub, full, tau), expected_kd)
    mixed = switchable_probe_losses({1.0: full, 0.5: sub}, labels, 'mixed',
                                    tau)
    ce = F.cross_entropy(sub, labels)
    assert torch.allclose(mixed[0.5], (ce + expected_kd) / 2)
    assert torch.allclose(mixed[1.0], F.cross_entropy(full, labels))
    soft = switchable_probe_losses({1.0: full, 0.5: sub}, labels, 'soft',
                                   tau)
    assert torch.allclose(soft[0.5], expected_kd)
    plain = switchable_probe_losses({1.0: full, 0.5: sub}, labels, None)
    assert torch.allclose(plain[0.5], ce)


def test_slimmable_head_shares_one_layer():
    model = build(head='slimmable')
    model.eval()
    inputs, _, _ = batch()
    weight, bias = model.shared_head.weight, model.shared_head.bias
    assert tuple(weight.shape) == (5, 64)  # 8 * 8 channels at width 1.0
    with torch.no_grad():
        feats = model.extract_feat(inputs, 0.5)
        assert feats.shape[1] == 32
        expected = F.linear(feats, weight[:, :32], bias)
        assert torch.allclose(model.logits(inputs)[0.5], expected)


def test_predict_returns_per_width_scores():
    model = build()
    model.eval()
    inputs, samples, _ = batch()
    with torch.no_grad():
        out = model.predict(inputs, samples)
        logits = model.logits(inputs)
    assert sorted(out[0].width_scores) == ['0_5', '1']
    assert torch.allclose(out[2].width_scores['0_5'],
                          F.softmax(logits[0.5][2], 0))
    assert torch.equal(out[2].pred_score, out[2].width_scores['1'])


def test_probe_checkpoint_with_other_widths_is_refused():
    trained = build(backbone=tiny_backbone(widths=[1.0, 0.75, 0.5]))
    model = build(backbone=tiny_backbone(widths=[1.0, 0.75, 0.5]),
                  widths=[1.0, 0.5])
    with pytest.raises(ValueError, match=r'trained for widths \[1.0, 0.75, '
                       r'0.5\].*evaluates widths \[1.0, 0.5\]'):
        model.load_state_dict(trained.state_dict(), strict=False)


def test_missing_or_wrong_backbone_checkpoint(tmp_path):
    with pytest.raises(ValueError, match='init_cfg.checkpoint=PATH'):
        build(backbone=tiny_backbone(init_cfg=dict(
            type='Pretrained', checkpoint=None, prefix='backbone.')))
    # A checkpoint of another architecture (ResNet-34 blocks) fails in
    # init_weights, i.e. before the first training iteration.
    other = SlimmableResNet(34, stem_channels=8, base_channels=8,
                            widths=WIDTHS)
    path = str(tmp_path / 'r34.pth')
    torch.save({'state_dict': {f'backbone.{k}': v
                               for k, v in other.state_dict().items()}},
               path)
    with pytest.raises(ValueError, match='layer1.2'):
        build(backbone=tiny_backbone(init_cfg=dict(
            type='Pretrained', checkpoint=path, prefix='backbone.')))


def test_universal_backbone_calibrates_bn_per_width():
    with pytest.raises(ValueError, match='list the widths'):
        build(backbone=tiny_backbone(widths=None, width_range=(0.25, 1.0)))
    model = build(backbone=tiny_backbone(widths=None,
                                         width_range=(0.25, 1.0)),
                  widths=[1.0, 0.6, 0.25],
                  data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor',
                                         mean=[128.] * 3, std=[64.] * 3))
    model.eval()
    batches = [dict(inputs=[img for img in (torch.rand(4, 3, 32, 32) * 255)
                            .to(torch.uint8)]) for _ in range(3)]
    before = snapshot(model.backbone)
    reference = copy.deepcopy(model.backbone)
    model.calibrate_bn(batches, num_batches=3)
    assert changed(before, model.backbone) == []  # own buffers untouched
    assert sorted(model._bn_states) == ['0_25', '0_6', '1']
    inputs = [model.data_preprocessor(b, False)['inputs'] for b in batches]
    calibrate_bn(reference, inputs, 0.6, num_batches=3)
    reference.eval()
    with torch.no_grad():
        reference.set_width(0.6)
        expected = F.adaptive_avg_pool2d(reference(inputs[0])[-1],
                                         1).flatten(1)
        got = model.extract_feat(inputs[0], 0.6)
    assert torch.allclose(got, expected, atol=1e-5)
