"""Convolution kernels for strided convolutions: im2col / col2im on contiguous (N, C, H, W)
arrays (stride 1 has its own direct kernels, ``tensorgrad.kernels.direct_conv``).

``cols[(c*kh + i)*kw + j, n, y*ow + x] = x[n, c, y*sh + i*dh - pt, x*sw + j*dw - pl]`` (0 in the
padding). The batch sits inside each row, so one BLAS GEMM per group covers the whole batch
(see ``tensorgrad.ops.conv``); ``col2im`` is im2col's adjoint: it sums every column entry back
into the pixel it came from. Both parallelise over (sample, channel) planes, so no two threads
write the same pixel.
"""

import numpy as np
from numba import prange

from .config import JIT, PARALLEL_JIT, njit


@njit(**PARALLEL_JIT)
def im2col(x, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow):
    """Unfold ``x`` (N, C, H, W) into columns (C*kh*kw, N, oh*ow)."""
    n_, c_, h_, w_ = x.shape
    cols = np.empty((c_ * kh * kw, n_, oh * ow), dtype=x.dtype)
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc - n * c_
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                # the output columns x whose input column x*sw + j*dw - pl lies inside [0, w_)
                off = j * dw - pl
                x_lo = 0 if off >= 0 else (-off + sw - 1) // sw
                x_hi = 0 if w_ - off <= 0 else min(ow, (w_ - off + sw - 1) // sw)
                x_lo = min(x_lo, x_hi)
                for y in range(oh):
                    iy = y * sh + i * dh - pt
                    dst = cols[row, n, y * ow : (y + 1) * ow]
                    if iy < 0 or iy >= h_:
                        dst[:] = 0
                        continue
                    src = x[n, c, iy]
                    dst[:x_lo] = 0
                    if sw == 1:  # contiguous: this loop vectorises
                        for xx in range(x_lo, x_hi):
                            dst[xx] = src[xx + off]
                    else:
                        for xx in range(x_lo, x_hi):
                            dst[xx] = src[xx * sw + off]
                    dst[x_hi:] = 0
    return cols


@njit(**PARALLEL_JIT)
def col2im(cols, c_, h_, w_, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow):
    """Fold columns (C*kh*kw, N, oh*ow) back into an image (N, C, H, W), summing overlaps."""
    n_ = cols.shape[1]
    x = np.zeros((n_, c_, h_, w_), dtype=cols.dtype)
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc - n * c_
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                off = j * dw - pl
                x_lo = 0 if off >= 0 else (-off + sw - 1) // sw
                x_hi = 0 if w_ - off <= 0 else min(ow, (w_ - off + sw - 1) // sw)
                for y in range(oh):
                    iy = y * sh + i * dh - pt
                    if iy < 0 or iy >= h_:
                        continue
                    src = cols[row, n, y * ow : (y + 1) * ow]
                    dst = x[n, c, iy]
                    if sw == 1:
                        for xx in range(x_lo, x_hi):
                            dst[xx + off] += src[xx]
                    else:
                        for xx in range(x_lo, x_hi):
                            dst[xx * sw + off] += src[xx]
    return x


@njit(**JIT)
def crop_wide(res, bias, out):
    """``out[n, c, y, x] = res[c, n, y, x] + bias[c]`` for x < ow: a GEMM result (C, N, oh, W)
    (W >= ow) transposed into (N, C, oh, ow), the bias added on the way."""
    c_, n_, oh, _ = res.shape
    ow = out.shape[3]
    for n in range(n_):
        for c in range(c_):
            b = bias[c]
            for y in range(oh):
                for x in range(ow):
                    out[n, c, y, x] = res[c, n, y, x] + b
    return out
