"""The CPU's batch normalisation: two fused Numba passes forward and two backward
(``tensorgrad.kernels.batchnorm``), the batch split across the kernel threads when it pays."""

import numpy as np

from ..kernels import batchnorm as kbn
from .batch_threads import ELEMENT_COST, ENTERED, batch_slices, run_slices


def _planes(x: np.ndarray) -> np.ndarray:
    """x as (N, C, L), contiguous."""
    return np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], -1)


def _sums(kernel, *arrays):
    """The kernel's two float64 per-channel sums over the batch, slice by slice (added in
    slice order: the same numbers whichever thread ran which slice)."""
    n, c = arrays[0].shape[:2]

    def run(s):
        s1, s2 = np.empty(c), np.empty(c)
        kernel(*arrays, s.start, s.stop, s1, s2, ENTERED)
        return s1, s2

    parts = run_slices(run, batch_slices(n, arrays[0].size * ELEMENT_COST), announced=True)
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def _map(kernel, x, *args):
    """``kernel(*args, n_lo, n_hi, out)`` over slices of the batch into a new array like x."""
    out = np.empty_like(x)

    def run(s):
        kernel(*args, s.start, s.stop, out, ENTERED)

    run_slices(run, batch_slices(x.shape[0], x.size * ELEMENT_COST), announced=True)
    return out


def _split(mean64: np.ndarray, dtype) -> tuple:
    """A float64 mean as (hi, lo) of ``dtype``, hi + lo = mean to twice the dtype's precision."""
    hi = mean64.astype(dtype)
    return hi, (mean64 - hi).astype(dtype)


def batch_norm_forward(x, *affine, eps):
    """See ``tensorgrad.backends.norms.batch_norm_forward``; the statistics are float64 here.
    One pass for them (shifted by each channel's first value), one for ``(x - mean) * scale
    + bias``."""
    planes = _planes(x)
    count = planes.shape[0] * planes.shape[2]
    shift = planes[0, :, 0].astype(np.float64)
    s1, s2 = _sums(kbn.shifted_sums, planes, shift)
    offset = s1 / count
    var = np.maximum(s2 / count - offset * offset, 0.0)
    mean, invstd = shift + offset, 1.0 / np.sqrt(var + eps)
    scale = (invstd * affine[0] if affine else invstd).astype(x.dtype)
    bias = affine[1] if affine else np.zeros(x.shape[1], dtype=x.dtype)
    out = _map(kbn.normalise, planes, planes, *_split(mean, x.dtype), scale, bias)
    return out.reshape(x.shape), mean, invstd, var


def batch_norm_eval(x, mean, scale, shift):
    """``(x - mean) * scale + shift`` in one pass (running statistics: x's dtype already)."""
    planes = _planes(x)
    out = _map(kbn.normalise, planes, planes, mean, np.zeros_like(mean), scale, shift)
    return out.reshape(x.shape)


def batch_norm_sums(g, x, mean):
    return _sums(kbn.grad_sums, _planes(g), _planes(x), mean.astype(np.float64))


def batch_norm_input_grad(g, x, mean, coefficients):
    gp, xs = _planes(g), _planes(x)
    a, b, c = (k.astype(g.dtype) for k in coefficients)
    hi, lo = _split(mean.astype(np.float64), x.dtype)
    return _map(kbn.input_grad, gp, gp, xs, hi, lo, a, b, c).reshape(x.shape)
