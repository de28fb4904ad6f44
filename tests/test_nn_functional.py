"""nn.functional: the losses' edge cases and errors, the re-exports, and the loss modules."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.nn import conv_pool
from tensorgrad.nn import functional as F


def test_reexports_are_the_shared_implementations():
    from tensorgrad.nn import padding

    assert F.pad is padding.pad  # constant mode: tg.functions.pad
    assert F.conv2d is conv_pool.conv2d and F.max_pool2d is conv_pool.max_pool2d
    assert F.avg_pool2d is conv_pool.avg_pool2d
    assert F.relu is tg.relu and F.log_softmax is tg.log_softmax


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    x = tg.randn(4, 3, requires_grad=True)
    t = tg.tensor([0, 2, 1, 2])
    F.cross_entropy(x, t).backward()
    expected = (np.exp(x.data) / np.exp(x.data).sum(1, keepdims=True) - np.eye(3)[t.data]) / 4
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-5, atol=1e-7)
    assert x.grad.dtype == np.float32


def test_cross_entropy_is_finite_for_huge_logits():
    x = tg.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]], requires_grad=True)
    loss = F.cross_entropy(x, tg.tensor([1, 1]), label_smoothing=0.1)
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.data))
    # log-probabilities (0, -2e4, -1e4) and (-2e4, 0, -5e3), targets 1 and 1, smoothing 0.1
    by_hand = (0.9 * 2e4 + 0.1 * 3e4 / 3 + 0.9 * 0.0 + 0.1 * 2.5e4 / 3) / 2
    assert loss.item() == pytest.approx(by_hand, rel=1e-6)
    second = F.cross_entropy(x, tg.tensor([0, 1]), reduction="none")
    assert second.data[1] == pytest.approx(0.0, abs=1e-6)


def test_cross_entropy_shapes_unbatched_spatial_and_ignore_index():
    logits = tg.tensor([0.0, math.log(3.0)])  # (C,) with a 0-d target
    assert F.cross_entropy(logits, tg.tensor(1)).item() == pytest.approx(-math.log(0.75))
    x = tg.randn(2, 4, 3, 3)
    t = tg.randint(0, 4, (2, 3, 3))
    assert F.cross_entropy(x, t, reduction="none").shape == (2, 3, 3)
    all_ignored = F.cross_entropy(tg.randn(2, 3), tg.tensor([-100, -100]))
    assert math.isnan(all_ignored.item())  # 0 / 0, as PyTorch
    t2 = tg.tensor([1, 5])
    assert F.cross_entropy(tg.randn(2, 3), t2, ignore_index=5).item() > 0


def test_cross_entropy_with_probabilities_differentiates_the_target():
    x = tg.randn(3, 4, requires_grad=True)
    q = tg.softmax(tg.randn(3, 4), 1).detach().requires_grad_()
    loss = F.cross_entropy(x, q)
    loss.backward()
    np.testing.assert_allclose(q.grad.data, -tg.log_softmax(x, 1).data / 3, rtol=1e-5)


@pytest.mark.parametrize(
    ("args", "error", "pattern"),
    [
        ((tg.randn(2, 3), tg.tensor([0, 3])), IndexError, "target value 3 is out of range for 3"),
        ((tg.randn(2, 3), tg.tensor([0, 1, 2])), ValueError, r"expected target shape \(2,\)"),
        ((tg.randn(2, 3), tg.tensor([0.0, 1.0])), ValueError, "probability target of shape"),
        ((tg.randn(2, 3), tg.tensor([[0, 1]], dtype=np.int32).reshape(2)), None, None),
        ((tg.tensor([[1, 2]]), tg.tensor([0])), TypeError, "must be floating point"),
    ],
)
def test_cross_entropy_errors_name_the_problem(args, error, pattern):
    if error is None:
        assert np.isfinite(F.cross_entropy(*args).item())
        return
    with pytest.raises(error, match=pattern):
        F.cross_entropy(*args)


def test_loss_argument_errors():
    x, t = tg.randn(2, 3), tg.tensor([0, 1])
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(x, t, reduction="avg")
    with pytest.raises(ValueError, match=r"weight has shape \(2,\), expected \(3,\)"):
        F.cross_entropy(x, t, weight=tg.ones(2))
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\]"):
        F.cross_entropy(x, t, label_smoothing=2.0)
    with pytest.raises(TypeError, match="class-index targets must be integers"):
        F.nll_loss(x, tg.tensor([True, False]).to(np.float32).reshape(2))


def test_nll_loss_of_log_softmax_equals_cross_entropy():
    x, t, w = tg.randn(5, 4), tg.tensor([0, 3, 3, 1, 2]), tg.rand(4) + 0.5
    for reduction in ("none", "sum", "mean"):
        np.testing.assert_allclose(
            F.nll_loss(F.log_softmax(x, 1), t, w, reduction=reduction).data,
            F.cross_entropy(x, t, w, reduction=reduction).data,
            rtol=1e-5,
        )


def test_mse_loss_and_modules():
    a, b = tg.tensor([1.0, 2.0, 4.0]), tg.tensor([1.0, 0.0, 1.0])
    assert F.mse_loss(a, b).item() == pytest.approx(13 / 3)
    assert nn.MSELoss(reduction="sum")(a, b).item() == pytest.approx(13.0)
    with pytest.warns(UserWarning, match="target shape"):
        F.mse_loss(tg.zeros(3, 1), tg.zeros(3))
    x, t = tg.randn(4, 3), tg.tensor([2, 0, 1, 1])
    w = tg.tensor([1.0, 2.0, 3.0])
    loss = nn.CrossEntropyLoss(weight=w, label_smoothing=0.1)
    assert loss(x, t).item() == pytest.approx(F.cross_entropy(x, t, w, label_smoothing=0.1).item())
    assert "weight" in loss.state_dict()  # a buffer, as PyTorch
    nll = nn.NLLLoss()(F.log_softmax(x, 1), t)
    assert nll.item() == pytest.approx(F.cross_entropy(x, t).item())


def test_batch_norm_functional_validates_shapes():
    with pytest.raises(ValueError, match=r"running_mean has shape \(2,\), expected \(3,\)"):
        F.batch_norm(tg.randn(4, 3), tg.zeros(2), tg.ones(3))
    with pytest.raises(ValueError, match="needs a channel dim 1"):
        F.batch_norm(tg.randn(4), None, None, training=True)


def test_double_backward_through_a_small_network():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.BatchNorm1d(4), nn.Linear(4, 2)).double()
    x = tg.randn(5, 3, dtype=np.float64, requires_grad=True)
    t = tg.tensor([0, 1, 1, 0, 1])

    def input_gradient_norm(x):
        with tg.enable_grad():  # gradcheck evaluates fn under no_grad for finite differences
            return _gradient_norm(x)

    def _gradient_norm(x):
        loss = F.cross_entropy(model(x), t, label_smoothing=0.1)
        (g,) = tg.autograd.grad(loss, x, create_graph=True)
        return (g * g).sum()

    assert tg.autograd.gradcheck(input_gradient_norm, (x,))
