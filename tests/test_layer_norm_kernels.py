"""The CPU's layer-norm kernels (``backends.cpu_layer_norm``, ``kernels.layer_norm``) against the
array formulas every other device runs (``backends.norms``): the same numbers bit for bit, on
any number of kernel threads, and close to a float64 reference."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.backends import cpu_layer_norm, norms


def _case(rng, rows, width, offset=0.0, scale=1.0):
    x = (rng.standard_normal((rows, width)) * scale + offset).astype(np.float32)
    weight = rng.standard_normal(width).astype(np.float32)
    bias = rng.standard_normal(width).astype(np.float32)
    grad = rng.standard_normal((rows, width)).astype(np.float32)
    return x, weight, bias, grad


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("width", [1, 3, 8, 17, 64, 257])
def test_the_kernels_give_the_array_formulas_bits(width, affine):
    rng = np.random.default_rng(width)
    for rows, offset, scale in ((1, 0.0, 1.0), (37, 3.0, 0.01), (300, -40.0, 25.0)):
        x, weight, bias, grad = _case(rng, rows, width, offset, scale)
        w, b = (weight, bias) if affine else (None, None)
        want = norms.layer_norm_forward(np, x, w, b, 1e-5)
        got = cpu_layer_norm.layer_norm_forward(x, w, b, 1e-5)
        for a, c in zip(want, got, strict=True):
            np.testing.assert_array_equal(c, a)
        dx_want = norms.layer_norm_input_grad(np, grad, w, want[1], want[2])
        dx = cpu_layer_norm.layer_norm_input_grad(grad, w, got[1], got[2])
        np.testing.assert_array_equal(dx, dx_want)


def test_row_blocks_on_several_threads_give_the_same_bits():
    rng = np.random.default_rng(1)
    x, weight, bias, grad = _case(rng, 4099, 64)
    before = tg.get_num_threads()
    results = []
    try:
        for threads in (1, 2, 3):
            tg.set_num_threads(threads)
            out, xhat, invstd = cpu_layer_norm.layer_norm_forward(x, weight, bias, 1e-5)
            dx = cpu_layer_norm.layer_norm_input_grad(grad, weight, xhat, invstd)
            results.append((out, xhat, invstd, dx))
    finally:
        tg.set_num_threads(before)
    for other in results[1:]:
        for a, c in zip(results[0], other, strict=True):
            np.testing.assert_array_equal(c, a)


def test_close_to_a_float64_reference_with_a_large_mean():
    rng = np.random.default_rng(2)
    x, weight, bias, grad = _case(rng, 50, 96, offset=1e3, scale=0.5)
    x64 = x.astype(np.float64)
    centred = x64 - x64.mean(1, keepdims=True)
    invstd = 1 / np.sqrt((centred**2).mean(1, keepdims=True) + 1e-5)
    xhat = centred * invstd
    gw = grad.astype(np.float64) * weight
    dx = invstd * (gw - gw.mean(1, keepdims=True) - xhat * (gw * xhat).mean(1, keepdims=True))
    # the float32 mean is off by up to half an ulp of 1e3, 1e-4 of the spread
    tol = 4 * np.finfo(np.float32).eps * 1e3 / 0.5
    out, got_xhat, got_invstd = cpu_layer_norm.layer_norm_forward(x, weight, bias, 1e-5)
    np.testing.assert_allclose(got_xhat, xhat, atol=tol)
    np.testing.assert_allclose(out, xhat * weight + bias, atol=tol * np.abs(weight).max())
    np.testing.assert_allclose(got_invstd, invstd, rtol=1e-5)
    got_dx = cpu_layer_norm.layer_norm_input_grad(grad, weight, got_xhat, got_invstd)
    np.testing.assert_allclose(got_dx, dx, atol=tol * np.abs(gw).max() * invstd.max())


def test_other_dtypes_and_strided_rows_take_the_formulas_or_a_copy():
    rng = np.random.default_rng(3)
    x, weight, bias, _ = _case(rng, 6, 10)
    x64, w64, b64 = x.astype(np.float64), weight.astype(np.float64), bias.astype(np.float64)
    want = norms.layer_norm_forward(np, x64, w64, b64, 1e-5)
    for a, c in zip(want, cpu_layer_norm.layer_norm_forward(x64, w64, b64, 1e-5), strict=True):
        assert c.dtype == np.float64
        np.testing.assert_array_equal(c, a)
    wide = np.repeat(x, 2, axis=1)[:, ::2]  # the same rows, not contiguous
    for a, c in zip(
        cpu_layer_norm.layer_norm_forward(x, weight, bias, 1e-5),
        cpu_layer_norm.layer_norm_forward(wide, weight, bias, 1e-5),
        strict=True,
    ):
        np.testing.assert_array_equal(c, a)


def test_the_layer_gives_the_same_numbers_through_the_kernels_and_the_formulas(monkeypatch):
    """``nn.LayerNorm`` forward and backward on the CPU, with its kernels and with the CPU's
    methods swapped for the array formulas: the same bits (what a device without them gets)."""
    from tensorgrad.backends.cpu import CPU

    def run():
        tg.manual_seed(0)
        layer = tg.nn.LayerNorm((4, 8))
        x = tg.randn(3, 5, 4, 8, requires_grad=True)
        out = layer(x)
        (out * tg.randn(3, 5, 4, 8)).sum().backward()
        return [t.detach().numpy() for t in (out, x.grad, layer.weight.grad, layer.bias.grad)]

    fused = run()
    for name in ("layer_norm_forward", "layer_norm_input_grad"):
        formula = getattr(norms, name)
        monkeypatch.setattr(CPU, name, lambda *a, formula=formula: formula(np, *a))
    for a, c in zip(fused, run(), strict=True):
        np.testing.assert_array_equal(c, a)
