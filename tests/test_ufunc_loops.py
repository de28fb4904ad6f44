"""NumPy's inner loops called from a kernel (``kernels.ufunc_loops``): ``np.tanh``'s numbers."""

import numpy as np
import pytest
from numba import njit

from tensorgrad.kernels.ufunc_loops import call_unary, unary_loop


@njit(cache=False, nogil=True)
def _rows(loop, x, y):
    for r in range(x.shape[0]):
        call_unary(loop, x[r], y[r])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_tanh_loop_gives_numpys_numbers_on_any_length_and_in_place(dtype):
    loop = unary_loop(np.tanh, dtype)
    assert loop is not None and loop.dtype == np.int64 and loop.shape == (3,)
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((40, 67)) * 4).astype(dtype)
    x[0, :5] = [0.0, -0.0, np.inf, -np.inf, 30.0]
    y = np.empty_like(x)
    _rows(loop, x, y)
    np.testing.assert_array_equal(y, np.tanh(x))
    for width in (1, 7, 16, 33):  # vector tails
        z = x[:, :width].copy()
        _rows(loop, z, z)
        np.testing.assert_array_equal(z, np.tanh(x[:, :width]))


def test_a_ufunc_without_such_a_loop_gives_none():
    assert unary_loop(np.add, np.float32) is None  # two inputs
    assert unary_loop(np.tanh, np.int64) is None  # resolves to a float loop
