"""The CPU's ReLU passes (``tensorgrad.kernels.relu``) against the array formulas they replace,
bit for bit, and through the op and its gradient."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.backends import batch_threads, cpu_activations

_SPECIAL = [-0.0, 0.0, np.nan, -1.0, 2.0, -np.inf, np.inf, 1e-40, -1e-40]
_SPECIAL_GRADS = [np.inf, -np.inf, np.nan, 1.0, -2.0, np.inf, 3.0, -4.0, np.nan]


def _array_formulas(grad, x):
    """ReLU and its VJP as the array backends compute them (``Backend.relu``)."""
    return np.maximum(x, 0), grad * ~(x <= 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_kernels_split_across_threads_give_the_array_formulas_bits(rng, monkeypatch,
                                                                        dtype):  # fmt: skip
    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 2)
    monkeypatch.setattr(batch_threads, "MIN_WORK", 0)
    x = np.concatenate([rng.standard_normal(3001), _SPECIAL]).astype(dtype)
    grad = np.concatenate([rng.standard_normal(3001), _SPECIAL_GRADS]).astype(dtype)
    x, grad = x.reshape(-1, 2)[:, ::-1], grad.reshape(-1, 2)  # x a strided view
    out, dx = cpu_activations.relu(x), cpu_activations.relu_backward(grad, x)
    with np.errstate(invalid="ignore"):  # inf * 0 where x <= 0
        want_out, want_dx = _array_formulas(grad, x)
    for got, want in ((out, want_out), (dx, want_dx)):
        assert got.dtype == dtype and got.shape == x.shape
        np.testing.assert_array_equal(got.view(f"i{got.itemsize}"), want.view(f"i{got.itemsize}"))
    assert not np.signbit(out).any()  # -0.0 -> 0, as maximum(x, 0)


def test_relu_of_other_dtypes_and_mixed_gradients_takes_the_array_formulas(rng):
    ints = np.array([-3, 0, 5], np.int64)
    np.testing.assert_array_equal(cpu_activations.relu(ints), [0, 0, 5])
    assert cpu_activations.relu(ints).dtype == np.int64
    x = rng.standard_normal(7).astype(np.float32)
    grad = rng.standard_normal(7)  # float64 against float32
    dx = cpu_activations.relu_backward(grad, x)
    assert dx.dtype == np.float64
    np.testing.assert_array_equal(dx, grad * (x > 0))


def test_relu_op_forward_backward_and_double_backward(rng):
    x0 = rng.standard_normal((4, 5))
    x = tg.tensor(x0, requires_grad=True)
    y = tg.nn.functional.relu(x)
    np.testing.assert_array_equal(y.data, np.maximum(x0, 0))
    (g,) = tg.autograd.grad((y * y).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, 2 * np.maximum(x0, 0))
    (gg,) = tg.autograd.grad(g.sum(), [x])
    np.testing.assert_allclose(gg.data, 2.0 * (x0 > 0))
