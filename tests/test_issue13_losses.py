"""Issue 13's losses: values worked out by hand, the modules, and PyTorch's errors."""

import math
import warnings

import numpy as np
import pytest

import tensorgrad as tg

F = tg.nn.functional


def test_binary_cross_entropy_by_hand_and_the_minus_100_clamp():
    x, t = tg.tensor([0.8, 0.1]), tg.tensor([1.0, 0.0])
    expected = -(math.log(0.8) + math.log(0.9)) / 2
    assert F.binary_cross_entropy(x, t).item() == pytest.approx(expected, rel=1e-6)
    certain_wrong = F.binary_cross_entropy(tg.tensor([0.0]), tg.tensor([1.0]), reduction="sum")
    assert certain_wrong.item() == pytest.approx(100.0)
    p = tg.tensor([0.0, 1.0], requires_grad=True)
    F.binary_cross_entropy(p, tg.tensor([0.0, 1.0])).backward()
    assert np.all(np.isfinite(p.grad.data))


def test_binary_cross_entropy_errors():
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([1.5]), tg.tensor([1.0]))
    with pytest.raises(ValueError, match="must have the input's shape"):
        F.binary_cross_entropy(tg.tensor([0.5, 0.5]), tg.tensor([1.0]))
    with pytest.raises(ValueError, match="reduction"):
        F.binary_cross_entropy(tg.tensor([0.5]), tg.tensor([1.0]), reduction="avg")


def test_bce_with_logits_is_stable_and_weighs_positives():
    x, t = tg.tensor([1000.0, -1000.0, 0.0]), tg.tensor([0.0, 1.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss.data, [1000.0, 1000.0, math.log(2)], rtol=1e-6)
    weighted = F.binary_cross_entropy_with_logits(
        tg.tensor([0.0]), tg.tensor([1.0]), pos_weight=tg.tensor([3.0])
    )
    assert weighted.item() == pytest.approx(3 * math.log(2), rel=1e-6)
    probs = F.binary_cross_entropy(tg.tensor([0.3, 0.6]).sigmoid(), tg.tensor([0.2, 0.9]))
    logits = F.binary_cross_entropy_with_logits(tg.tensor([0.3, 0.6]), tg.tensor([0.2, 0.9]))
    assert probs.item() == pytest.approx(logits.item(), rel=1e-5)


def test_kl_div_batchmean_log_target_and_the_mean_warning():
    p = np.array([[0.25, 0.75], [0.5, 0.5]])
    q = np.array([[0.5, 0.5], [0.1, 0.9]])
    kl = (q * np.log(q / p)).sum() / 2
    logp = tg.tensor(np.log(p))
    assert F.kl_div(logp, tg.tensor(q), reduction="batchmean").item() == pytest.approx(kl)
    same = F.kl_div(logp, tg.tensor(np.log(q)), reduction="batchmean", log_target=True)
    assert same.item() == pytest.approx(kl)
    zero_target = F.kl_div(logp, tg.tensor([[0.0, 1.0], [1.0, 0.0]]), reduction="sum")
    assert np.isfinite(zero_target.item())
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(logp, tg.tensor(q))
    with pytest.raises(ValueError, match="reduction"):
        F.kl_div(logp, tg.tensor(q), reduction="avg")


def test_smooth_l1_and_huber_by_hand():
    x, t = tg.tensor([0.0, 0.0, 0.0]), tg.tensor([0.5, 2.0, -3.0])
    np.testing.assert_allclose(
        F.smooth_l1_loss(x, t, reduction="none").data, [0.125, 1.5, 2.5], rtol=1e-6
    )
    np.testing.assert_allclose(
        F.huber_loss(x, t, reduction="none", delta=2.0).data, [0.125, 2.0, 4.0], rtol=1e-6
    )
    huber = F.huber_loss(x, t, delta=0.5)
    assert huber.item() == pytest.approx(0.5 * F.smooth_l1_loss(x, t, beta=0.5).item())
    assert F.smooth_l1_loss(x, t, beta=0.0).item() == pytest.approx(11 / 6)  # the L1 loss
    with pytest.raises(ValueError, match="non-negative"):
        F.smooth_l1_loss(x, t, beta=-1.0)
    with pytest.raises(ValueError, match="positive"):
        F.huber_loss(x, t, delta=0.0)
    with pytest.warns(UserWarning, match="broadcast"):
        F.huber_loss(tg.zeros(3, 1), tg.zeros(3))


@pytest.mark.parametrize(
    "module, fn, kwargs",
    [
        (tg.nn.BCELoss, F.binary_cross_entropy, {"reduction": "sum"}),
        (tg.nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, {"reduction": "none"}),
        (tg.nn.KLDivLoss, F.kl_div, {"reduction": "batchmean", "log_target": True}),
        (tg.nn.SmoothL1Loss, F.smooth_l1_loss, {"beta": 0.3}),
        (tg.nn.HuberLoss, F.huber_loss, {"delta": 0.3}),
    ],
)
def test_loss_modules_equal_their_functions(module, fn, kwargs):
    x, t = tg.rand(4, 3) * 0.8 + 0.1, tg.rand(4, 3)
    np.testing.assert_array_equal(module(**kwargs)(x, t).data, fn(x, t, **kwargs).data)


def test_weights_of_bce_modules_are_buffers():
    loss = tg.nn.BCEWithLogitsLoss(weight=tg.ones(3), pos_weight=tg.tensor([1.0, 2.0, 3.0]))
    assert set(loss.state_dict()) == {"weight", "pos_weight"}
    assert list(loss.parameters()) == []


def test_nll_loss_weighted_mean_skips_ignored_targets():
    logp = tg.tensor(np.log([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]]))
    target = tg.tensor([1, 0, -100])
    w = tg.tensor([2.0, 1.0])
    expected = -(1.0 * math.log(0.8) + 2.0 * math.log(0.6)) / 3.0
    assert F.nll_loss(logp, target, w).item() == pytest.approx(expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(F.nll_loss(logp, tg.tensor([-100, -100, -100])).item())
