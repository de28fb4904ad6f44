"""The CPU's sums over rows (``cpu_row_sums``, the gradients of biases and layer norm weights)
against NumPy's, bit for bit: the array path (other devices) sums with NumPy."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.backends import cpu_row_sums
from tensorgrad.kernels import row_sums


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows, width", [(1792, 192), (6400, 64), (1, 5), (0, 4), (7, 2), (333, 1),
                                         (5, 1000)])  # fmt: skip
def test_row_sums_give_numpys_bits(rng, dtype, rows, width):
    a = (rng.standard_normal((rows, width)) * 10).astype(dtype)
    b = rng.standard_normal((rows, width)).astype(dtype)
    got, got_products = cpu_row_sums.sum_rows(a), cpu_row_sums.sum_rows(a, b)
    assert got.dtype == dtype and got.shape == (width,)
    np.testing.assert_array_equal(got, a.sum(axis=0))
    np.testing.assert_array_equal(got_products, (a * b).sum(axis=0))


def test_the_kernels_start_from_zero_as_numpy_does():
    a = np.full((3, 4), -0.0, np.float32)
    out = np.full(4, np.nan, np.float32)
    row_sums.sum_rows(a, out)
    assert not np.signbit(out).any()  # 0 + -0 = +0, as a.sum(axis=0)
    row_sums.sum_row_products(a, np.ones_like(a), out)
    np.testing.assert_array_equal(out, (a * 1).sum(axis=0))


def test_other_arrays_take_numpy(rng):
    a = rng.standard_normal((40, 6)).astype(np.float32)
    np.testing.assert_array_equal(cpu_row_sums.sum_rows(a[:, ::2]), a[:, ::2].sum(axis=0))
    np.testing.assert_array_equal(cpu_row_sums.sum_rows(a.astype(np.float16)),
                                  a.astype(np.float16).sum(axis=0))  # fmt: skip
    np.testing.assert_array_equal(cpu_row_sums.sum_rows(a, a.T.copy().T),
                                  (a * a).sum(axis=0))  # fmt: skip


def test_bias_and_layer_norm_gradients_sum_over_every_leading_dim(rng):
    x = tg.tensor(rng.standard_normal((3, 5, 8)).astype(np.float32), requires_grad=True)
    layer, norm = tg.nn.Linear(8, 6), tg.nn.LayerNorm(6)
    g = rng.standard_normal((3, 5, 6)).astype(np.float32)
    y = norm(layer(x))
    (y * tg.tensor(g)).sum().backward()
    ln_in = layer(x).detach().numpy()
    xhat = (ln_in - ln_in.mean(-1, keepdims=True)) / np.sqrt(ln_in.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(norm.bias.grad.numpy(), g.sum(axis=(0, 1)), rtol=1e-5)
    np.testing.assert_allclose(norm.weight.grad.numpy(), (g * xhat).sum(axis=(0, 1)),
                               rtol=1e-4, atol=1e-5)  # fmt: skip
    assert layer.bias.grad.shape == (6,) and norm.weight.grad.shape == (6,)
