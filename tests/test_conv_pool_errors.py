"""conv2d / pooling: clear errors for bad input, PyTorch's tie rule, thread policy."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.kernels import config
from tensorgrad.nn.conv_pool import avg_pool2d, conv2d, max_pool2d


def _x(*shape, dtype=np.float32):
    return tg.tensor(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: conv2d(_x(3, 5, 5), _x(2, 3, 3)), ValueError, ["conv2d", "weight", "(2, 3, 3)"]),
        (lambda: conv2d(_x(5, 5), _x(2, 1, 3, 3)), ValueError, ["conv2d", "input", "(5, 5)"]),
        (
            lambda: conv2d(_x(1, 3, 5, 5), _x(2, 2, 3, 3)),
            ValueError,
            ["conv2d", "3 channels", "expects 2"],
        ),
        (
            lambda: conv2d(_x(1, 4, 5, 5), _x(3, 2, 3, 3), groups=2),
            ValueError,
            ["conv2d", "groups=2", "output channels (3)"],
        ),
        (
            lambda: conv2d(_x(1, 1, 4, 4), _x(1, 1, 5, 5)),
            ValueError,
            ["conv2d", "larger than the padded input", "(4, 4)"],
        ),
        (
            lambda: conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=0),
            ValueError,
            ["conv2d", "stride", ">= 1"],
        ),
        (
            lambda: conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2, padding="same"),
            ValueError,
            ["conv2d", "'same'", "stride"],
        ),
        (
            lambda: conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), padding="full"),
            ValueError,
            ["conv2d", "padding", "'full'"],
        ),
        (
            lambda: conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3, dtype=np.float64)),
            TypeError,
            ["conv2d", "float32", "float64"],
        ),
        (
            lambda: conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), bias=_x(2)),
            ValueError,
            ["conv2d", "bias", "(1,)"],
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 5, 5)), _x(1, 1, 3, 3)),
            TypeError,
            ["conv2d", "Tensor", "ndarray"],
        ),
        (
            lambda: conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), dilation=(1, 2, 3)),
            TypeError,
            ["conv2d", "dilation"],
        ),
        (
            lambda: max_pool2d(_x(1, 1, 5, 5), 2, stride=0),
            ValueError,
            ["max_pool2d", "stride", ">= 1"],
        ),
        (
            lambda: max_pool2d(_x(1, 1, 5, 5), 2, padding=2),
            ValueError,
            ["max_pool2d", "padding", "half the kernel"],
        ),
        (
            lambda: max_pool2d(_x(1, 1, 2, 2), 3),
            ValueError,
            ["max_pool2d", "does not fit", "(1, 1, 2, 2)"],
        ),
        (lambda: max_pool2d(_x(1, 1, 5, 5), 0), ValueError, ["max_pool2d", "kernel_size"]),
        (
            lambda: max_pool2d(tg.tensor(np.zeros((1, 1, 4, 4), np.int64)), 2),
            TypeError,
            ["max_pool2d", "int64"],
        ),
        (lambda: avg_pool2d(_x(2, 1, 1, 5, 5), 2), ValueError, ["avg_pool2d", "(2, 1, 1, 5, 5)"]),
        (lambda: avg_pool2d(_x(1, 1, 5, 5), 2.5), TypeError, ["avg_pool2d", "kernel_size", "2.5"]),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value}"


def test_max_pool2d_tie_goes_to_the_first_maximum():
    x = tg.tensor(np.array([[[[1.0, 3.0], [3.0, 3.0]]]]), requires_grad=True)
    out, index = max_pool2d(x, 2, return_indices=True)
    out.backward(tg.ones(1, 1, 1, 1, dtype=tg.float64))
    assert index.item() == 1
    np.testing.assert_array_equal(x.grad.data, [[[[0.0, 1.0], [0.0, 0.0]]]])


def test_max_pool2d_overlapping_windows_accumulate_the_gradient():
    x = tg.tensor(np.array([[[[0.0, 9.0, 0.0, 0.0]]]]), requires_grad=True)
    out = max_pool2d(x, (1, 2), stride=1)  # windows [0,9], [9,0], [0,0]: 9 wins twice, the
    # last window's tie goes to its first 0
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[0.0, 2.0, 1.0, 0.0]]]])


def test_max_pool2d_padding_counts_as_minus_infinity():
    x = tg.tensor(np.full((1, 1, 2, 2), -5.0))
    np.testing.assert_array_equal(max_pool2d(x, 2, 1, padding=1).data, np.full((1, 1, 3, 3), -5))


def test_max_pool2d_propagates_nan():
    x = tg.tensor(np.array([[[[1.0, np.nan], [2.0, 0.0]]]]))
    assert np.isnan(max_pool2d(x, 2).item())


def test_thread_policy_is_explicit():
    policy = config.thread_policy()
    assert policy["kernels"] >= 1
    assert policy["blas"] == 1  # never BLAS and the kernel threads both multi-threaded by default


def test_max_pool2d_nan_and_inf_in_inner_and_edge_windows(rng):
    x = rng.standard_normal((2, 3, 7, 7))
    x[0, 0, 2, 3] = np.nan  # an inner window
    x[0, 1, 0, 0] = np.nan  # a window reaching into the padding
    x[1, 2, 4, 4] = np.inf
    x[1, 0, 5, 1] = -np.inf
    out = max_pool2d(tg.tensor(x), 3, 2, padding=1).data
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    windows = windows[:, :, ::2, ::2].reshape(2, 3, 4, 4, 9)
    has_nan = np.isnan(windows).any(-1)
    expected = np.where(
        has_nan, np.nan, np.nanmax(np.where(np.isnan(windows), -np.inf, windows), -1)
    )
    assert has_nan.sum() >= 2
    np.testing.assert_array_equal(out, expected)


def _conv_sums():
    """A strided conv (its phase kernels) and a batch big enough for the kernel threads."""
    small = conv2d(tg.ones(2, 3, 8, 8), tg.ones(4, 3, 3, 3), stride=2)
    big = conv2d(tg.ones(64, 6, 14, 14), tg.ones(16, 6, 5, 5))
    return float(small.sum().item()), float(big.sum().item())


def _child_conv(queue):
    queue.put(_conv_sums())


def test_kernels_still_run_in_a_forked_child():
    # the parent's kernel thread pool does not exist in the child, which must make its own
    # (and no kernel may use a Numba parallel region: GNU OpenMP's would hang here)
    import multiprocessing

    expected = _conv_sums()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_conv, args=(queue,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        raise AssertionError("a forked child deadlocked in a parallel kernel or the thread pool")
    assert child.exitcode == 0
    assert queue.get(timeout=5) == expected


def _policy_in_subprocess(value: str):
    import os
    import subprocess
    import sys

    env = {**os.environ, "TENSORGRAD_NUM_THREADS": value}
    code = "from tensorgrad.kernels import config; print(config.thread_policy()['kernels'])"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_tensorgrad_num_threads_overrides_the_thread_count():
    done = _policy_in_subprocess("1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    bad = _policy_in_subprocess("two")
    assert bad.returncode != 0
    assert "TENSORGRAD_NUM_THREADS must be a positive integer, got 'two'" in bad.stderr
