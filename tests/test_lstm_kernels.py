"""The CPU's fused LSTM step (``backends.cpu_lstm``, ``kernels.lstm``) against the array path
of ``ops.recurrent_arrays``: the same numbers bit for bit, with and without a projection."""

import numpy as np
import pytest

from tensorgrad.backends import cpu_lstm
from tensorgrad.ops import recurrent_arrays as arrays


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("proj", [None, 3])
def test_fused_lstm_matches_the_array_path(dtype, proj):
    rng = np.random.default_rng(0)
    steps, batch, hidden = 5, 4, 6
    p = hidden if proj is None else proj
    x = rng.standard_normal((steps, batch, 4 * hidden)).astype(dtype)
    h0 = rng.standard_normal((batch, p)).astype(dtype)
    c0 = rng.standard_normal((batch, hidden)).astype(dtype)
    w_hh = rng.standard_normal((4 * hidden, p)).astype(dtype)
    w_hr = None if proj is None else rng.standard_normal((proj, hidden)).astype(dtype)
    expected = arrays.lstm_forward_arrays(x, h0, c0, w_hh, w_hr)
    for a, b in zip(expected, cpu_lstm.lstm_forward(x, h0, c0, w_hh, w_hr)):
        np.testing.assert_array_equal(a, b)
    grad = rng.standard_normal(expected[0].shape).astype(dtype)
    want = arrays.lstm_backward_arrays(grad, c0, w_hh, w_hr, *expected)
    got = cpu_lstm.lstm_backward(grad, c0, w_hh, w_hr, *expected)
    for a, b in zip(want, got):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)


def test_other_dtypes_take_the_array_path():
    x = np.zeros((2, 1, 4), np.float16)
    assert cpu_lstm.lstm_forward(x, x[0, :, :1], x[0, :, :1], np.zeros((4, 1), np.float16)) is None
