"""Convolution kernels for strided convolutions: im2col / col2im on contiguous (N, C, H, W)
arrays (stride 1 has its own direct kernels, ``tensorgrad.kernels.direct_conv``).

``cols[(c*kh + i)*kw + j, n, y*ow + x] = x[n, c, y*sh + i*dh - pt, x*sw + j*dw - pl]`` (0 in the
padding). The images sit inside each row, so one BLAS GEMM per group covers them all (see
``tensorgrad.backends.cpu_conv``); ``col2im`` is im2col's adjoint: it sums every column entry back
into the pixel it came from. Both are serial and fill the samples ``n_lo <= n < n_hi`` only, so
that the op layer can run slices of the batch on its kernel threads (no two slices write the
same element).
"""

from .config import JIT, njit


@njit(**JIT)
def im2col(x, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow, n_lo, n_hi, cols):
    """Unfold samples ``n_lo:n_hi`` of ``x`` (N, C, H, W) into ``cols`` (C*kh*kw, N, oh*ow).

    Scalar loops on indices, no array views: an output row is short (LeNet-sized: 7 columns),
    and a view per row cost more than the copy (measured: 11 ms against 6 ms for the residual
    LeNet's strided conv at batch 256; two threads making views of one array also contend
    on its reference count)."""
    _, c_, h_, w_ = x.shape
    for n in range(n_lo, n_hi):
        for c in range(c_):
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
                        o = y * ow
                        if iy < 0 or iy >= h_:
                            for xx in range(ow):
                                cols[row, n, o + xx] = 0
                            continue
                        for xx in range(x_lo):
                            cols[row, n, o + xx] = 0
                        for xx in range(x_lo, x_hi):
                            cols[row, n, o + xx] = x[n, c, iy, xx * sw + off]
                        for xx in range(x_hi, ow):
                            cols[row, n, o + xx] = 0
    return cols


@njit(**JIT)
def col2im(cols, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow, n_lo, n_hi, x):
    """Fold columns (C*kh*kw, N, oh*ow) of samples ``n_lo:n_hi`` back into ``x`` (N, C, H, W),
    summing overlaps (``x[n_lo:n_hi]`` is overwritten); scalar loops, as ``im2col``."""
    _, c_, h_, w_ = x.shape
    for n in range(n_lo, n_hi):
        for c in range(c_):
            for iy in range(h_):
                for ix in range(w_):
                    x[n, c, iy, ix] = 0
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
                        o = y * ow
                        for xx in range(x_lo, x_hi):
                            x[n, c, iy, xx * sw + off] += cols[row, n, o + xx]
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
