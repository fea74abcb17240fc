"""SlimCLR's loss equations (Eq. 1, 4-7, section 4.4) on hand-made numbers."""
import math

import pytest
import torch
import torch.nn.functional as F

from slimmm.models.losses import (contrastive_logits, info_nce,
                                  online_distillation, slimclr_loss_weights,
                                  slimclr_total_loss)

WIDTHS = [1.0, 0.75, 0.5, 0.25]


@pytest.mark.parametrize('manner, expected', [
    (1, [2.5, 1.0, 1.0, 1.0]),
    (2, [1.75, 1.0, 1.0, 1.0]),
    (3, [1.6, 1.2, 0.8, 0.4]),
    (4, [1.54, 1.08, 0.77, 0.62]),
])
def test_loss_weights_match_paper(manner, expected):
    weights = slimclr_loss_weights(WIDTHS, manner)
    assert list(weights) == WIDTHS
    assert [round(w, 2) for w in weights.values()] == expected


def test_loss_weights_exact_values():
    assert slimclr_loss_weights(WIDTHS, 1)[1.0] == 2.5
    w4 = slimclr_loss_weights(WIDTHS, 4)
    assert w4[1.0] == pytest.approx(4 * 2.5 / 6.5)
    assert sum(slimclr_loss_weights(WIDTHS, 3).values()) == pytest.approx(4)
    # Slow start: only the full width -> weight 1 (plain MoCov2).
    assert slimclr_loss_weights([1.0], 1) == {1.0: 1.0}


def test_loss_weights_bad_manner():
    with pytest.raises(ValueError, match='manner'):
        slimclr_loss_weights(WIDTHS, 5)


def test_total_loss_eq7_by_hand():
    base = {1.0: torch.tensor(1.0), 0.75: torch.tensor(2.0),
            0.5: torch.tensor(3.0), 0.25: torch.tensor(4.0)}
    distill = {0.75: torch.tensor(0.5), 0.5: torch.tensor(0.25),
               0.25: torch.tensor(0.125)}
    weights = slimclr_loss_weights(WIDTHS, 1)
    total = slimclr_total_loss(base, distill, weights)
    # 2.5 * 1 + (2 + .5) / 2 + (3 + .25) / 2 + (4 + .125) / 2
    assert float(total) == pytest.approx(7.4375)
    # Without distillation terms: Eq. 2 with weights.
    assert float(slimclr_total_loss(base, {}, weights)) == \
        pytest.approx(2.5 + 2 + 3 + 4)
    # The baselines: InfoNCE only (vanilla) and distillation only (S-Net +
    # inplace distillation) for the sub-networks.
    assert float(slimclr_total_loss(base, distill, weights, 'infonce')) == \
        pytest.approx(2.5 + 2 + 3 + 4)
    assert float(slimclr_total_loss(base, distill, weights, 'distill')) == \
        pytest.approx(2.5 + .5 + .25 + .125)
    # Unit weights (manner None)
    assert set(slimclr_loss_weights(WIDTHS, None).values()) == {1.0}


def test_distillation_is_cross_entropy_of_softmaxes():
    student = torch.tensor([[0.9, 0.1, -0.3], [0.2, 0.5, 0.4]],
                           requires_grad=True)
    teacher = torch.tensor([[0.8, -0.2, 0.1], [0.3, 0.6, -0.1]],
                           requires_grad=True)
    tau = 5.0
    expected = 0.0
    for s_row, t_row in zip(student.tolist(), teacher.tolist()):
        zt = sum(math.exp(v / tau) for v in t_row)
        zs = sum(math.exp(v / tau) for v in s_row)
        expected += -sum(
            math.exp(t / tau) / zt * math.log(math.exp(s / tau) / zs)
            for s, t in zip(s_row, t_row))
    expected /= 2
    loss = online_distillation(student, teacher, tau)
    assert float(loss) == pytest.approx(expected, rel=1e-6)
    # = KL(p_teacher || p_student) + H(p_teacher)
    p_t = F.softmax(teacher / tau, dim=1)
    kl = F.kl_div(F.log_softmax(student / tau, dim=1), p_t,
                  reduction='batchmean')
    entropy = -(p_t * p_t.log()).sum(1).mean()
    assert float(loss) == pytest.approx(float(kl + entropy), rel=1e-6)
    loss.backward()
    assert teacher.grad is None  # the full network is a fixed target
    assert student.grad.abs().sum() > 0


def test_info_nce_with_queue_and_in_batch():
    torch.manual_seed(0)
    q, k = torch.randn(4, 8), torch.randn(4, 8)
    queue = F.normalize(torch.randn(8, 16), dim=0)
    logits = contrastive_logits(q, k, queue)
    assert logits.shape == (4, 17)
    qn, kn = F.normalize(q, dim=1), F.normalize(k, dim=1)
    assert torch.allclose(logits[:, 0], (qn * kn).sum(1), atol=1e-6)
    expected = -F.log_softmax(logits / 0.2, dim=1)[:, 0].mean()
    assert float(info_nce(logits, 0.2)) == pytest.approx(float(expected))
    # In-batch negatives; keys of 2 ranks, this rank's positives at 4..7.
    keys = torch.cat([torch.randn(4, 8), k])
    logits = contrastive_logits(q, keys)
    assert logits.shape == (4, 8)
    expected = -F.log_softmax(logits, dim=1)[torch.arange(4),
                                             torch.arange(4) + 4].mean()
    assert float(info_nce(logits, 1.0, in_batch=True, offset=4)) == \
        pytest.approx(float(expected))


def test_distillation_shape_mismatch():
    with pytest.raises(ValueError, match='same'):
        online_distillation(torch.zeros(2, 3), torch.zeros(2, 4), 1.0)
