"""Convolution kernels: im2col / col2im on contiguous (N, C, H, W) arrays.

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


# -- stride 1: "wide" columns on the zero-padded image -------------------------------------
# With stride 1 every tap (i, j) of a kernel reads the padded plane, flattened, at a constant
# offset: output q = y*Wp + x reads input q + i*dh*Wp + j*dw. Taking q over the whole width Wp
# (the x >= ow columns are garbage, cropped or zeroed) turns each (channel, tap) row of the
# column matrix into ONE contiguous copy instead of oh short ones.
# These kernels are serial: the op layer calls them on a few images at a time so that the
# columns stay in L2 for the GEMM that reads them, and a parallel region cost more than that
# work (measured: im2col of conv1 at batch 64, 0.6 ms serial vs 1.3 ms parallel on 1 thread).
@njit(**JIT)
def im2col_wide(xpad, kh, kw, dh, dw, oh):
    """Columns (C*kh*kw, N, oh*Wp) of a padded image (N, C, Hp + 1, Wp) (one spare zero row)."""
    n_, c_, _, wp = xpad.shape
    flat = xpad.reshape(n_, c_, -1)
    length = oh * wp
    cols = np.empty((c_ * kh * kw, n_, length), dtype=xpad.dtype)
    for n in range(n_):
        for c in range(c_):
            src = flat[n, c]
            for i in range(kh):
                for j in range(kw):
                    off = i * dh * wp + j * dw
                    cols[(c * kh + i) * kw + j, n] = src[off : off + length]
    return cols


@njit(**JIT)
def col2im_wide(cols, out, kh, kw, dh, dw, oh, wp, pt, pl):
    """The adjoint of ``im2col_wide``, cropped: sum columns (C*kh*kw, N, oh*Wp) into the padded
    plane of each (sample, channel) and write its interior to ``out`` (N, C, H, W)."""
    n_, c_, h_, w_ = out.shape
    hp = (cols.shape[2] // wp) + (kh - 1) * dh  # oh + dilated kernel height - 1
    plane = np.empty((hp + 1) * wp, dtype=cols.dtype)
    length = oh * wp
    for n in range(n_):
        for c in range(c_):
            plane[:] = 0
            for i in range(kh):
                for j in range(kw):
                    off = i * dh * wp + j * dw
                    src = cols[(c * kh + i) * kw + j, n]
                    for q in range(length):
                        plane[q + off] += src[q]
            for y in range(h_):
                base = (y + pt) * wp + pl
                out[n, c, y] = plane[base : base + w_]
    return out


@njit(**JIT)
def crop_wide(res, bias, out):
    """``out[n, c, y, x] = res[c, n, y, x] + bias[c]`` for x < ow: a wide GEMM result
    (C, N, oh, Wp) cropped into (N, C, oh, ow), the bias added on the way."""
    c_, n_, oh, _ = res.shape
    ow = out.shape[3]
    for n in range(n_):
        for c in range(c_):
            b = bias[c]
            for y in range(oh):
                for x in range(ow):
                    out[n, c, y, x] = res[c, n, y, x] + b
    return out


@njit(**JIT)
def widen(g, wp):
    """An output gradient (N, C, oh, ow) as wide GEMM rows (C, N, oh, Wp), zero for x >= ow."""
    n_, c_, oh, ow = g.shape
    rows = np.zeros((c_, n_, oh, wp), dtype=g.dtype)
    for n in range(n_):
        for c in range(c_):
            for y in range(oh):
                for x in range(ow):
                    rows[c, n, y, x] = g[n, c, y, x]
    return rows
