"""Layer normalisation of float32 rows: one pass per row forward, one backward.

The arithmetic is ``backends.norms``' array formulas in the same order: each row's two means
are float64 sums rounded once to float32 (a float32 product is exact in float64, so the sums
differ from the arrays' pairwise ones only far below float32's precision, so they may be
vectorised in any order), and every elementwise step is the same float32 operation, compiled
without fastmath (no fused multiply-adds). So the numbers are the array path's, which the other
devices run. Each kernel fills the rows ``lo:hi`` only (the backend runs blocks of rows on its
kernel threads).
"""

import numpy as np

from .config import EXACT_JIT, njit
from .spin import announce

# the float64 sums may be reassociated (vectorised): their order changes them far below what
# the rounding to float32 keeps; nothing else is
SUM_JIT = {**EXACT_JIT, "fastmath": {"reassoc"}}


@njit(**SUM_JIT)
def _sum64(a):
    s = 0.0
    for j in range(a.size):
        s += a[j]
    return s


@njit(**SUM_JIT)
def _dot64(a, b):
    """sum(a * b) with the products in float64 (exact for float32 factors)."""
    s = 0.0
    for j in range(a.size):
        s += np.float64(a[j]) * b[j]
    return s


@njit(**EXACT_JIT)
def forward(x, weight, bias, eps, lo, hi, out, xhat, invstd, entered=None):
    """Rows ``lo:hi`` of ``xhat = (x - mean) * invstd`` and, when ``weight`` is given,
    ``out = xhat * weight + bias`` (``bias`` given with it); ``invstd`` (N,) per row."""
    announce(entered)
    n = x.shape[1]
    one = np.float32(1.0)
    for r in range(lo, hi):
        x_r, xhat_r = x[r], xhat[r]
        mean = np.float32(_sum64(x_r) / n)
        for j in range(n):
            xhat_r[j] = x_r[j] - mean
        var = np.float32(_dot64(xhat_r, xhat_r) / n)
        inv = one / np.sqrt(var + eps)
        invstd[r] = inv
        if weight is None:
            for j in range(n):
                xhat_r[j] = xhat_r[j] * inv
        else:
            out_r = out[r]
            for j in range(n):
                v = xhat_r[j] * inv
                xhat_r[j] = v
                out_r[j] = v * weight[j] + bias[j]


@njit(**EXACT_JIT)
def input_grad(grad, weight, xhat, invstd, lo, hi, gw, dx, entered=None):
    """Rows ``lo:hi`` of ``dx = (gw - (xhat * mean(gw * xhat) + mean(gw))) * invstd`` with
    ``gw = grad * weight`` (``grad`` itself without a weight); ``gw`` is a scratch row."""
    announce(entered)
    n = grad.shape[1]
    for r in range(lo, hi):
        g_r, xhat_r, dx_r = grad[r], xhat[r], dx[r]
        if weight is None:
            gw[:] = g_r
        else:
            for j in range(n):
                gw[j] = g_r[j] * weight[j]
        mean_g = np.float32(_sum64(gw) / n)
        mean_gx = np.float32(_dot64(gw, xhat_r) / n)
        inv = invstd[r]
        for j in range(n):
            d = xhat_r[j] * mean_gx
            d = d + mean_g
            dx_r[j] = (gw[j] - d) * inv
