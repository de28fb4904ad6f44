"""The CPU's fused GELU passes and the float32 vector math they use, against float64 NumPy
and ``math`` (``tensorgrad.kernels.activations``, ``tensorgrad.kernels.vector_math``)."""

import math

import numpy as np
import pytest

from tensorgrad.backends import batch_threads, cpu_activations, special
from tensorgrad.kernels import config
from tensorgrad.kernels.vector_math import erf32, exp32
from tensorgrad.testing.device import STRICT_NUMPY, StrictArray


@config.njit(**config.EXACT_JIT)  # inlined into a fastmath loop, exp32 would round otherwise
def _map(fn, x, out):
    for i in range(x.shape[0]):
        out[i] = fn(x[i])


def _vector(name):
    fn = {"exp": exp32, "erf": erf32}[name]
    x = np.concatenate([np.linspace(-100, 100, 20001), np.linspace(-3, 3, 6001)])
    x = x.astype(np.float32)
    out = np.empty_like(x)
    _map(fn, x, out)
    want = np.array([getattr(math, name)(float(v)) if name != "exp" or v < 88 else math.inf
                     for v in x])  # fmt: skip
    return x, out, want


def test_vector_erf_is_float32_accurate():
    x, out, want = _vector("erf")
    np.testing.assert_allclose(out, want, rtol=5e-7, atol=1e-37)


def test_vector_exp_is_float32_accurate_and_keeps_the_special_values():
    x, out, want = _vector("exp")
    normal = (x > -87.3) & (x < 88.0)
    np.testing.assert_allclose(out[normal], want[normal], rtol=3e-7)
    assert (out[x < -87.4] == 0.0).all() and np.isinf(out[x > 88.4]).all()
    special_values = np.array([-np.inf, np.inf, np.nan, 0.0], np.float32)
    got = np.empty_like(special_values)
    _map(exp32, special_values, got)
    assert got[0] == 0.0 and got[1] == np.inf and np.isnan(got[2]) and got[3] == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_kernels_split_across_threads_match_the_float64_formulas(
    rng, monkeypatch, dtype, approximate
):
    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 2)
    monkeypatch.setattr(batch_threads, "MIN_WORK", 0)
    x = np.concatenate([rng.standard_normal(3001) * 3, [-12.0, -5.0, 0.0, 5.0, 12.0]])
    x, g = x.astype(dtype).reshape(-1, 2)[:, ::-1], rng.standard_normal(x.size).astype(dtype)
    g = g.reshape(x.shape)  # x a strided view: the op layer makes it contiguous
    out = cpu_activations.gelu(x, approximate)
    dx = cpu_activations.gelu_backward(g, x, approximate)
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    tol = {"rtol": 2e-6, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    for got, want in ((out, special.gelu(np, x64, approximate)),
                      (dx, special.gelu_backward(np, g64, x64, approximate))):  # fmt: skip
        assert got.dtype == dtype and got.shape == x.shape
        np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_float32_gelu_kernels_and_the_array_formulas_give_the_same_bits(rng, approximate):
    # a device on the array path must round as the CPU does: Adam turns the sign of a
    # gradient that is rounding noise into a full step
    edges = [-100.0, -9.5, -0.0, 0.0, 1e-40, 9.5, 100.0]
    x = np.concatenate([rng.standard_normal(20000) * 3, rng.standard_normal(500) * 40, edges])
    x = x.astype(np.float32)
    g = rng.standard_normal(x.size).astype(np.float32)
    strict = special.gelu(STRICT_NUMPY, StrictArray(x), approximate)._a
    for got, want in ((cpu_activations.gelu(x, approximate), special.gelu(np, x, approximate)),
                      (cpu_activations.gelu_backward(g, x, approximate),
                       special.gelu_backward(np, g, x, approximate)),
                      (strict, special.gelu(np, x, approximate))):  # fmt: skip
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_array_equal(got, want)


def test_array_exp32_is_the_kernels_bit_for_bit():
    x = np.concatenate([np.linspace(-100, 100, 20001), [-np.inf, np.inf, np.nan]])
    x = x.astype(np.float32)
    out = np.empty_like(x)
    _map(exp32, x, out)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(special.exp32(np, x), out)
