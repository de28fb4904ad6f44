"""The CPU's fused LSTM step (``backends.cpu_lstm``, ``kernels.lstm``) against the array path
of ``ops.recurrent_arrays``: the same numbers bit for bit, with and without a projection."""

import numpy as np
import pytest

from tensorgrad.backends import cpu_lstm
from tensorgrad.ops import recurrent_arrays as arrays


@pytest.mark.parametrize("biased", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("proj", [None, 3])
def test_fused_lstm_matches_the_array_path(dtype, proj, biased):
    rng = np.random.default_rng(0)
    steps, batch, hidden = 5, 4, 6
    p = hidden if proj is None else proj
    x = rng.standard_normal((steps, batch, 4 * hidden)).astype(dtype)
    h0 = rng.standard_normal((batch, p)).astype(dtype)
    c0 = rng.standard_normal((batch, hidden)).astype(dtype)
    w_hh = rng.standard_normal((4 * hidden, p)).astype(dtype)
    w_hr = None if proj is None else rng.standard_normal((proj, hidden)).astype(dtype)
    bias = rng.standard_normal(4 * hidden).astype(dtype) if biased else None
    expected = arrays.lstm_forward_arrays(x, h0, c0, w_hh, w_hr, True, bias)
    for a, b in zip(expected, cpu_lstm.lstm_forward(x, h0, c0, w_hh, w_hr, True, bias)):
        np.testing.assert_array_equal(a, b)
    if biased:  # the bias added first, as a linear layer with it would have stored
        unbiased = cpu_lstm.lstm_forward((x + bias).astype(dtype), h0, c0, w_hh, w_hr)
        for a, b in zip(expected, unbiased):
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


@pytest.mark.parametrize("forward", [arrays.lstm_forward_arrays, cpu_lstm.lstm_forward])
def test_without_the_steps_kept_the_outputs_are_the_same_and_the_last_gates_kept(forward):
    rng = np.random.default_rng(1)
    steps, batch, hidden = 4, 3, 5
    x = rng.standard_normal((steps, batch, 4 * hidden)).astype(np.float32)
    h0, c0 = (rng.standard_normal((batch, hidden)).astype(np.float32) for _ in range(2))
    w_hh = rng.standard_normal((4 * hidden, hidden)).astype(np.float32)
    out, acts, tanh_c = forward(x, h0, c0, w_hh, None)
    out1, acts1, tanh_c1 = forward(x, h0, c0, w_hh, None, keep_steps=False)
    np.testing.assert_array_equal(out1, out)
    assert acts1.shape == (1, batch, 4 * hidden) and tanh_c1.shape == (1, batch, hidden)
    np.testing.assert_array_equal(acts1[0], acts[-1])
    np.testing.assert_array_equal(tanh_c1[0], tanh_c[-1])


def test_an_lstm_under_no_grad_gives_the_outputs_it_gives_with_grad():
    import tensorgrad as tg

    tg.manual_seed(0)
    lstm = tg.nn.LSTM(6, 8, num_layers=2, batch_first=True, bidirectional=True)
    x = tg.randn(3, 7, 6)
    with_grad, (h, c) = lstm(x)
    with tg.no_grad():
        without, (h1, c1) = lstm(x)
    for a, b in ((with_grad, without), (h, h1), (c, c1)):
        np.testing.assert_array_equal(a.detach().numpy(), b.numpy())


@pytest.mark.parametrize("proj", [None, 16])
def test_row_blocks_on_the_kernel_threads_give_each_rows_array_path_bits(proj):
    """With more than one kernel thread the batch runs in row blocks, the whole sequence each
    way: every block's numbers are the array path's for those rows alone, bit for bit."""
    import tensorgrad as tg
    from tensorgrad.backends.batch_threads import batch_slices

    rng = np.random.default_rng(2)
    steps, batch, hidden = 3, 515, 64
    p = hidden if proj is None else proj
    x = rng.standard_normal((steps, batch, 4 * hidden)).astype(np.float32)
    h0 = rng.standard_normal((batch, p)).astype(np.float32)
    c0 = rng.standard_normal((batch, hidden)).astype(np.float32)
    w_hh = (rng.standard_normal((4 * hidden, p)) / 8).astype(np.float32)
    w_hr = None if proj is None else (rng.standard_normal((proj, hidden)) / 8).astype(np.float32)
    grad = rng.standard_normal((steps, batch, p + hidden)).astype(np.float32)
    before = tg.get_num_threads()
    try:
        for threads in (2, 3):
            tg.set_num_threads(threads)
            blocks = batch_slices(batch, batch * p * 4 * hidden)
            assert len(blocks) == threads
            forward = cpu_lstm.lstm_forward(x, h0, c0, w_hh, w_hr)
            backward = cpu_lstm.lstm_backward(grad, c0, w_hh, w_hr, *forward)
            for r in blocks:
                want = arrays.lstm_forward_arrays(x[:, r], h0[r], c0[r], w_hh, w_hr)
                for a, b in zip(want, forward):
                    np.testing.assert_array_equal(b[:, r], a)
                got = arrays.lstm_backward_arrays(
                    np.ascontiguousarray(grad[:, r]), c0[r], w_hh, w_hr, *want
                )
                d, dh, dc, d_proj = backward
                np.testing.assert_array_equal(d[:, r], got[0])
                np.testing.assert_array_equal(dh[r], got[1])
                np.testing.assert_array_equal(dc[r], got[2])
                if proj is not None:
                    np.testing.assert_array_equal(d_proj[:, r], got[3])
    finally:
        tg.set_num_threads(before)


def test_without_a_projection_a_block_runs_in_one_kernel_call_where_numpy_allows():
    from tensorgrad.kernels import cblas

    f32 = np.dtype(np.float32)
    # the one-call kernels need NumPy's BLAS and tanh loop reachable from kernels (NumPy's own
    # OpenBLAS wheels, NumPy >= 1.25); without them every block takes the step loop
    reachable = bool(cblas.GEMM) and cpu_lstm._TANH[f32] is not None
    got = cpu_lstm._compiled(f32, None, [slice(0, 2), slice(2, 5)], 2)
    assert (got is not None) == reachable
    assert cpu_lstm._compiled(f32, np.zeros((2, 3), f32), [slice(0, 5)], 2) is None
    assert cpu_lstm._compiled(f32, None, [slice(0, 1)], 2) is None  # np.matmul: no GEMM
    assert cpu_lstm._compiled(f32, None, [slice(0, 5)], 1) is None


@pytest.mark.parametrize("batch, hidden", [(1, 16), (2, 16), (9, 16), (3, 1), (2, 2)])
def test_the_one_call_kernels_and_the_step_loop_give_the_same_numbers(batch, hidden):
    """Small batches through the kernels (one block of two or more rows) and a block of one
    row or a one-number state through the step loop, against the array path, keep_steps or
    not."""
    rng = np.random.default_rng(batch)
    steps = 6
    x = rng.standard_normal((steps, batch, 4 * hidden)).astype(np.float32)
    h0, c0 = (rng.standard_normal((batch, hidden)).astype(np.float32) for _ in range(2))
    w_hh = (rng.standard_normal((4 * hidden, hidden)) / 4).astype(np.float32)
    grad = rng.standard_normal((steps, batch, 2 * hidden)).astype(np.float32)
    want = arrays.lstm_forward_arrays(x, h0, c0, w_hh, None)
    got = cpu_lstm.lstm_forward(x, h0, c0, w_hh, None)
    for a, b in zip(want, got, strict=True):
        np.testing.assert_array_equal(b, a)
    last = cpu_lstm.lstm_forward(x, h0, c0, w_hh, None, keep_steps=False)
    np.testing.assert_array_equal(last[0], want[0])
    np.testing.assert_array_equal(last[1][0], want[1][-1])
    for a, b in zip(arrays.lstm_backward_arrays(grad, c0, w_hh, None, *want),
                    cpu_lstm.lstm_backward(grad, c0, w_hh, None, *got), strict=True):  # fmt: skip
        if a is not None:
            np.testing.assert_array_equal(b, a)
