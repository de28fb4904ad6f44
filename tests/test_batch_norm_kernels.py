"""The CPU's fused batch-norm passes (``tensorgrad.kernels.batchnorm``) against float64 NumPy."""

import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.nn.functional as F
from tensorgrad.backends import batch_threads, norms


def _reference(x, w, b, g, eps=1e-5):
    """Forward and the three gradients of batch_norm in float64, by the textbook formulas."""
    x, w, b, g = (a.astype(np.float64) for a in (x, w, b, g))
    axes, shape = (0, 2, 3), (1, -1, 1, 1)
    mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    gw = g * w.reshape(shape)
    dx = gw - gw.mean(axes, keepdims=True) - xhat * (gw * xhat).mean(axes, keepdims=True)
    dx /= np.sqrt(var + eps)
    return xhat * w.reshape(shape) + b.reshape(shape), dx, (g * xhat).sum(axes), g.sum(axes)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_split_across_kernel_threads_matches_float64(rng, monkeypatch, dtype):
    # an odd batch in two slices of different sizes, and channels whose mean is large against
    # their spread (one-pass sums that were not shifted would lose every digit of the variance)
    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 2)
    monkeypatch.setattr(batch_threads, "MIN_WORK", 0)
    x = rng.standard_normal((7, 3, 5, 4)) * [[[[1.0]], [[0.01]], [[30.0]]]]
    x += np.array([0.0, 1000.0, -5.0])[:, None, None]
    w, b, g = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(x.shape)
    x, w, b, g = (a.astype(dtype) for a in (x, w, b, g))
    xt, wt, bt = (tg.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.batch_norm(xt, None, None, wt, bt, training=True)
    out.backward(tg.tensor(g))
    expected = _reference(x, w, b, g)
    tol = {"rtol": 2e-4, "atol": 2e-4} if dtype == np.float32 else {"rtol": 1e-9, "atol": 1e-9}
    for got, want in zip((out, xt.grad, wt.grad, bt.grad), expected):
        assert got.dtype == dtype
        np.testing.assert_allclose(got.data, want, **tol)


def test_cpu_passes_match_the_array_module_ones(rng):
    # the generic passes (any array module, e.g. CuPy) and the CPU's kernels agree
    from tensorgrad.backends import cpu_batchnorm

    x = rng.standard_normal((4, 5, 3, 3)) + 2.0
    w, b, g = rng.standard_normal(5), rng.standard_normal(5), rng.standard_normal(x.shape)
    generic = norms.batch_norm_forward(np, x.copy(), w, b, eps=1e-5)
    fused = cpu_batchnorm.batch_norm_forward(x, w, b, eps=1e-5)
    for a, f in zip(generic, fused):
        np.testing.assert_allclose(f, a, rtol=1e-12, atol=1e-12)
    mean = fused[1]
    sums_generic, sums_fused = (
        norms.batch_norm_sums(np, g, x, mean),
        cpu_batchnorm.batch_norm_sums(g, x, mean),
    )
    np.testing.assert_allclose(sums_fused, sums_generic, rtol=1e-12, atol=1e-12)
    k = norms.input_grad_coefficients(sums_fused, 4 * 9, fused[2], w)
    np.testing.assert_allclose(
        cpu_batchnorm.batch_norm_input_grad(g, x, mean, k),
        norms.batch_norm_input_grad(np, g, x, mean, k),
        rtol=1e-12, atol=1e-12,
    )  # fmt: skip


def test_eval_mode_without_grad_is_one_pass_with_the_recorded_numbers(rng):
    # eval under no_grad runs the backend's single pass; with grad, the recorded ops
    bn = tg.nn.BatchNorm2d(4)
    bn.running_mean.data[:] = rng.standard_normal(4)
    bn.running_var.data[:] = rng.random(4) + 0.5
    bn.weight.data[:], bn.bias.data[:] = rng.standard_normal(4), rng.standard_normal(4)
    bn.eval()
    x = tg.tensor(rng.standard_normal((3, 4, 5, 5)).astype(np.float32))
    recorded = bn(x)
    assert recorded.requires_grad
    with tg.no_grad():
        fast = bn(x)
    assert fast.dtype == np.float32 and not fast.requires_grad
    np.testing.assert_allclose(fast.data, recorded.data, rtol=1e-6, atol=1e-6)
    plain = tg.nn.BatchNorm2d(4, affine=False).eval()
    with tg.no_grad():
        np.testing.assert_allclose(plain(x).data, x.data / np.sqrt(1 + 1e-5), rtol=1e-6)
