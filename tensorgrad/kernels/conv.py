"""Convolution kernels: im2col / col2im on contiguous (N, C, H, W) arrays.

``cols[n, (c*kh + i)*kw + j, y*ow + x] = x[n, c, y*sh + i*dh - pt, x*sw + j*dw - pl]`` (0 in the
padding). The convolution itself is a BLAS GEMM on ``cols`` (see ``tensorgrad.ops.conv``);
``col2im`` is im2col's adjoint: it sums every column entry back into the pixel it came from.
Both parallelise over (sample, channel) planes, so no two threads write the same pixel.
"""

import numpy as np
from numba import prange

from .config import PARALLEL_JIT, njit


@njit(**PARALLEL_JIT)
def im2col(x, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow):
    """Unfold ``x`` (N, C, H, W) into columns (N, C*kh*kw, oh*ow)."""
    n_, c_, h_, w_ = x.shape
    cols = np.empty((n_, c_ * kh * kw, oh * ow), dtype=x.dtype)
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
                    dst = cols[n, row, y * ow : (y + 1) * ow]
                    if iy < 0 or iy >= h_:
                        dst[:] = 0
                        continue
                    src = x[n, c, iy]
                    dst[:x_lo] = 0
                    for xx in range(x_lo, x_hi):
                        dst[xx] = src[xx * sw + off]
                    dst[x_hi:] = 0
    return cols


@njit(**PARALLEL_JIT)
def col2im(cols, c_, h_, w_, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow):
    """Fold columns (N, C*kh*kw, oh*ow) back into an image (N, C, H, W), summing overlaps."""
    n_ = cols.shape[0]
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
                    src = cols[n, row, y * ow : (y + 1) * ow]
                    dst = x[n, c, iy]
                    for xx in range(x_lo, x_hi):
                        dst[xx * sw + off] += src[xx]
    return x
