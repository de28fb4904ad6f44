"""PyTorch's answers where NaN, inf or 0 make the math ambiguous: max-pooling's gradient goes to
a window's last NaN (its CPU scan keeps ``val > max or isnan(val)``), ReLU's gradient passes a
NaN (``threshold_backward``: 0 only where x <= 0), and sqrt's gradient at 0 is inf without a
warning. The expected values were checked against torch 2.13 (``max_pool2d`` and ``relu``
backward on the same arrays)."""

import warnings

import conv_pool_reference as ref
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.nn import functional as F


def _with_nans_and_infs(rng, shape):
    x = rng.standard_normal(shape)
    u = rng.random(shape)
    x[u < 0.15] = np.nan
    x[(u >= 0.15) & (u < 0.2)] = np.inf
    x[(u >= 0.2) & (u < 0.25)] = -np.inf
    return x


@pytest.mark.parametrize(
    ("k", "s", "p", "h"),
    [(2, 2, 0, 8), (3, 1, 1, 6), (3, 2, 0, 7), (2, 1, 1, 5)],  # 2x2 kernel, edges, inner
)
def test_max_pool2d_gradient_goes_to_the_last_nan_as_in_pytorch(rng, k, s, p, h):
    x = _with_nans_and_infs(rng, (2, 3, h, h))
    xt = tg.tensor(x, requires_grad=True)
    out = F.max_pool2d(xt, k, s, p)
    g = rng.standard_normal(out.shape)
    out.backward(tg.tensor(g))
    assert np.isnan(x).sum() >= 4
    _, index = ref.max_pool2d(x, (k, k), (s, s), (p, p), (1, 1), False)  # PyTorch's scan
    np.testing.assert_array_equal(xt.grad.data, ref.max_pool2d_grad(x.shape, index, g))


def test_two_nans_in_a_window():
    x = np.array([[[[np.nan, 5.0], [np.nan, 2.0]]]], dtype=np.float32)
    xt = tg.tensor(x, requires_grad=True)
    F.max_pool2d(xt, 2).sum().backward()
    np.testing.assert_array_equal(xt.grad.data.ravel(), [0, 0, 1, 0])  # torch: [0, 0, 1, 0]


@pytest.mark.parametrize("fused", [True, False])
def test_relu_then_max_pool2d_passes_the_gradient_to_a_nan(fused):
    x = np.array([[[[-1.0, np.nan], [-3.0, -2.0]]]], dtype=np.float32)
    xt = tg.tensor(x, requires_grad=True)
    out = F.max_pool2d(xt, 2, relu=True) if fused else F.max_pool2d(F.relu(xt), 2)
    out.sum().backward()
    assert np.isnan(out.item())
    np.testing.assert_array_equal(xt.grad.data.ravel(), [0, 1, 0, 0])  # torch: [0, 1, 0, 0]


def test_relu_gradient_passes_nan_and_stops_at_zero():
    xt = tg.tensor([np.nan, 0.0, -1.0, 2.0], requires_grad=True)
    F.relu(xt).sum().backward()
    np.testing.assert_array_equal(xt.grad.data, [1, 0, 0, 1])


def test_sqrt_gradient_at_zero_is_inf_without_a_warning():
    xt = tg.tensor([0.0, 4.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xt.sqrt().sum().backward()
        zt = tg.tensor([0.0], requires_grad=True)
        (zt.sqrt() * 0.0).sum().backward()
    np.testing.assert_array_equal(xt.grad.data, [np.inf, 0.25])
    assert np.isnan(zt.grad.item())  # 0 / (2 * 0), as PyTorch's grad / (2 * result)
