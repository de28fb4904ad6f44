"""Batch normalisation kernels on (N, C, L) arrays: two passes forward, two backward.

Forward: one pass for each channel's statistics, then one that normalises, scales and shifts
(``(x - mean) * scale + b`` with per-channel ``scale = w * invstd``).
Backward: one pass for the two sums the gradients need (``sum g`` and ``sum g * (x - mean)``),
then one for ``dx = g * a + (x - mean) * b + c`` with per-channel coefficients.

A channel whose mean is large against its spread must lose no digits: the sums are float64
and shifted (by the channel's first value forward, by its mean backward), and x is centred on
the float64 mean given as two numbers of x's dtype, ``(x - hi) - lo`` (the first difference
is exact near the mean). The elementwise passes therefore run without fastmath (reassociation
would fold that into ``x - (hi + lo)``); they vectorise without it. Each kernel fills the samples
``n_lo:n_hi`` only (the op layer runs slices of the batch on its kernel threads and adds the
partial sums in slice order).
"""

import numpy as np

from .config import EXACT_JIT, JIT, njit
from .spin import announce


@njit(**JIT)
def shifted_sums(x, shift, n_lo, n_hi, s1, s2, entered=None):
    """``s1[c] = sum (x - shift[c])``, ``s2[c] = sum (x - shift[c])^2`` over samples
    ``n_lo:n_hi`` and the plane, in float64."""
    announce(entered)
    for c in range(x.shape[1]):
        k = np.float64(shift[c])
        a = b = 0.0
        for n in range(n_lo, n_hi):
            row = x[n, c]
            for i in range(row.shape[0]):
                d = np.float64(row[i]) - k
                a += d
                b += d * d
        s1[c] = a
        s2[c] = b


@njit(**EXACT_JIT)
def normalise(x, hi, lo, scale, shift, n_lo, n_hi, out, entered=None):
    """``out[n, c] = ((x[n, c] - hi[c]) - lo[c]) * scale[c] + shift[c]`` for samples
    ``n_lo:n_hi`` (the mean is hi + lo)."""
    announce(entered)
    for n in range(n_lo, n_hi):
        for c in range(x.shape[1]):
            h, m, a, b = hi[c], lo[c], scale[c], shift[c]
            src, dst = x[n, c], out[n, c]
            for i in range(src.shape[0]):
                dst[i] = ((src[i] - h) - m) * a + b


@njit(**JIT)
def grad_sums(g, x, mean, n_lo, n_hi, s1, s2, entered=None):
    """``s1[c] = sum g``, ``s2[c] = sum g * (x - mean[c])`` over samples ``n_lo:n_hi`` and the
    plane, in float64 (``mean`` float64)."""
    announce(entered)
    for c in range(x.shape[1]):
        m = mean[c]
        a = b = 0.0
        for n in range(n_lo, n_hi):
            gr, xr = g[n, c], x[n, c]
            for i in range(xr.shape[0]):
                u = np.float64(gr[i])
                a += u
                b += u * (np.float64(xr[i]) - m)
        s1[c] = a
        s2[c] = b


@njit(**EXACT_JIT)
def input_grad(g, x, hi, lo, a, b, c, n_lo, n_hi, out, entered=None):
    """``out[n, k] = g[n, k] * a[k] + ((x[n, k] - hi[k]) - lo[k]) * b[k] + c[k]`` for samples
    ``n_lo:n_hi`` (the mean is hi + lo)."""
    announce(entered)
    for n in range(n_lo, n_hi):
        for k in range(x.shape[1]):
            h, m, ak, bk, ck = hi[k], lo[k], a[k], b[k], c[k]
            gr, xr, dst = g[n, k], x[n, k], out[n, k]
            for i in range(xr.shape[0]):
                dst[i] = gr[i] * ak + ((xr[i] - h) - m) * bk + ck
