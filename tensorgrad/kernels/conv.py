"""Convolution kernels: im2col / col2im on contiguous (N, C, H, W) arrays.

``cols[(c*kh + i)*kw + j, n, y*ow + x] = x[n, c, y*sh + i*dh - pt, x*sw + j*dw - pl]`` (0 in the
padding). The batch sits inside each row, so one BLAS GEMM per group covers the whole batch
(see ``tensorgrad.ops.conv``); ``col2im`` is im2col's adjoint: it sums every column entry back
into the pixel it came from. Both parallelise over (sample, channel) planes, so no two threads
write the same pixel.
"""

import numpy as np
from numba import prange

from .config import PARALLEL_JIT, njit


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


# -- stride 1: "wide" columns on the zero-padded image -------------------------------------
# With stride 1 every tap (i, j) of a kernel reads the padded plane, flattened, at a constant
# offset: output q = y*Wp + x reads input q + i*dh*Wp + j*dw. Taking q over the whole width Wp
# (the x >= ow columns are garbage, cropped or zeroed by the caller) turns each (channel, tap)
# row of the column matrix into ONE contiguous copy instead of oh short ones.
@njit(**PARALLEL_JIT)
def im2col_wide(xpad, kh, kw, dh, dw, oh):
    """Columns (C*kh*kw, N, oh*Wp) of a padded image (N, C, Hp + 1, Wp) (one spare zero row)."""
    n_, c_, _, wp = xpad.shape
    flat = xpad.reshape(n_, c_, -1)
    length = oh * wp
    cols = np.empty((c_ * kh * kw, n_, length), dtype=xpad.dtype)
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc - n * c_
        src = flat[n, c]
        for i in range(kh):
            for j in range(kw):
                off = i * dh * wp + j * dw
                dst = cols[(c * kh + i) * kw + j, n]
                for q in range(length):
                    dst[q] = src[q + off]
    return cols


@njit(**PARALLEL_JIT)
def col2im_wide(cols, c_, hp, wp, kh, kw, dh, dw, oh):
    """The adjoint of ``im2col_wide``: a padded image (N, C, Hp + 1, Wp), overlaps summed."""
    n_ = cols.shape[1]
    out = np.zeros((n_, c_, (hp + 1) * wp), dtype=cols.dtype)
    length = oh * wp
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc - n * c_
        dst = out[n, c]
        for i in range(kh):
            for j in range(kw):
                off = i * dh * wp + j * dw
                src = cols[(c * kh + i) * kw + j, n]
                for q in range(length):
                    dst[q + off] += src[q]
    return out.reshape(n_, c_, hp + 1, wp)
