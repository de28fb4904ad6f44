"""Winograd's F(2x2, 3x3) convolutions (tensorgrad.backends.cpu_winograd) against a float64
reference convolution: forward and input gradient, every padding it takes, odd and even sizes,
one thread and two; and which convolutions the CPU backend sends there."""

import numpy as np
import pytest

from tensorgrad.backends import cpu_conv, cpu_winograd
from tensorgrad.backends.geometry import conv_geometry
from tensorgrad.kernels.config import get_num_threads, set_threads


def _reference(x, w, b, padding):
    """Output, and the adjoint (input gradient) for output gradient ``g``, in float64."""
    top, bottom, left, right = padding
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    oh, ow = xp.shape[2] - 2, xp.shape[3] - 2
    w64 = w.astype(np.float64)
    out = b.astype(np.float64)[:, None, None] + sum(
        np.einsum("ncyx,oc->noyx", xp[:, :, i : i + oh, j : j + ow], w64[:, :, i, j])
        for i in range(3)
        for j in range(3)
    )

    def input_grad(g):
        dxp = np.zeros_like(xp)
        for i in range(3):
            for j in range(3):
                dxp[:, :, i : i + oh, j : j + ow] += np.einsum("noyx,oc->ncyx", g, w64[:, :, i, j])
        return dxp[:, :, top : top + x.shape[2], left : left + x.shape[3]]

    return out, input_grad


CASES = [
    # (n, c, h, w, o, padding)
    (2, 3, 5, 5, 4, (0, 0, 0, 0)),
    (3, 5, 7, 6, 3, (1, 1, 1, 1)),
    (2, 4, 9, 8, 5, (2, 1, 0, 2)),
    (1, 2, 3, 3, 2, (2, 2, 2, 2)),
    (2, 3, 4, 7, 2, (1, 2, 1, 0)),
    (2, 3, 6, 9, 2, (0, 1, 1, 0)),
    (3, 6, 11, 10, 7, (0, 2, 2, 1)),
]


@pytest.mark.parametrize("n, c, h, w, o, padding", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_and_input_grad_match_the_reference(n, c, h, w, o, padding, dtype):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weight = rng.standard_normal((o, c, 3, 3)).astype(dtype)
    bias = rng.standard_normal(o).astype(dtype)
    expected, input_grad = _reference(x, weight, bias, padding)
    out = cpu_winograd.forward(x, weight, bias, padding)
    g = rng.standard_normal(out.shape).astype(dtype)
    dx = cpu_winograd.input_grad(g, weight, padding)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    assert out.dtype == dtype and dx.dtype == dtype and dx.shape == x.shape
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol * np.abs(expected).max())
    dx_expected = input_grad(g.astype(np.float64))
    np.testing.assert_allclose(dx, dx_expected, rtol=tol, atol=tol * np.abs(dx_expected).max())


def test_two_threads_give_the_one_thread_result():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((9, 16, 18, 18)).astype(np.float32)
    weight = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    bias = np.zeros(16, dtype=np.float32)
    before = get_num_threads()
    try:
        set_threads(kernels=1)
        one = cpu_winograd.forward(x, weight, bias, (1, 1, 1, 1))
        set_threads(kernels=2)
        two = cpu_winograd.forward(x, weight, bias, (1, 1, 1, 1))
    finally:
        set_threads(kernels=before)
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_one_call_image_loop_gives_the_python_loops_numbers(dtype, monkeypatch):
    # kw.images runs the 16 GEMMs of an image as np.matmul's batched product calls them
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 16, 12, 11)).astype(dtype)
    weight = rng.standard_normal((18, 16, 3, 3)).astype(dtype)
    bias = rng.standard_normal(18).astype(dtype)
    g = rng.standard_normal((5, 18, 12, 11)).astype(dtype)
    compiled = cpu_winograd.forward(x, weight, bias, (1, 1, 1, 1))
    compiled_dx = cpu_winograd.input_grad(g, weight, (1, 1, 1, 1))
    monkeypatch.setattr(cpu_winograd, "GEMM", {})  # the Python loop
    np.testing.assert_array_equal(compiled, cpu_winograd.forward(x, weight, bias, (1, 1, 1, 1)))
    np.testing.assert_array_equal(compiled_dx, cpu_winograd.input_grad(g, weight, (1, 1, 1, 1)))


def _uses(w_shape, x_shape, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    geometry = conv_geometry(x_shape, w_shape, stride, padding, dilation)
    return cpu_winograd.use_winograd(w_shape, geometry, stride, padding, dilation, groups)


def test_which_convolutions_run_as_winograd():
    port = (64, 32, 3, 3), (64, 32, 26, 26)  # PyTorch's MNIST example, conv2
    assert _uses(*port)
    assert not _uses(*port, stride=(2, 2))
    assert not _uses(*port, dilation=(2, 2))
    assert not _uses((64, 16, 3, 3), (64, 32, 26, 26), groups=2)
    assert not _uses(*port, padding=(3, 3, 3, 3))  # the input gradient's padding would be -1
    assert not _uses((64, 32, 5, 5), (64, 32, 26, 26))
    assert not _uses((32, 1, 3, 3), (64, 1, 28, 28))  # one input channel: the direct kernel
    assert not _uses((24, 24, 3, 3), (128, 24, 14, 14), padding=(1, 1, 1, 1))  # small planes


def test_the_backend_dispatch_matches_the_direct_kernels():
    """The CPU backend's conv2d and input gradient on a Winograd-sized convolution agree with
    the direct kernels it bypasses (float32 rounding apart)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 32, 18, 18)).astype(np.float32)
    weight = (rng.standard_normal((32, 32, 3, 3)) * 0.1).astype(np.float32)
    bias = rng.standard_normal(32).astype(np.float32)
    padding = (1, 1, 1, 1)
    args = dict(stride=(1, 1), padding=padding, dilation=(1, 1), groups=1)
    assert _uses(weight.shape, x.shape, padding=padding)
    out, _ = cpu_conv.conv2d(x, weight, bias, **args)
    geometry = conv_geometry(x.shape, weight.shape, (1, 1), padding, (1, 1))
    direct, _ = cpu_conv._direct_forward(x, weight, bias, geometry, padding, 1)
    np.testing.assert_allclose(out, direct, rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(out.shape).astype(np.float32)
    dx = cpu_conv.conv2d_input_grad(g, weight, input_shape=x.shape, **args)
    direct_dx = cpu_conv._direct_input_grad(g, weight, x.shape, geometry, padding, 1)
    np.testing.assert_allclose(dx, direct_dx, rtol=1e-5, atol=1e-5)
