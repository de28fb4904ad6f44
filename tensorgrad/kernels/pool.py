"""Pooling kernels on contiguous (N, C, H, W) arrays, one (sample, channel) plane at a time.

These are serial on purpose: they are memory-bound and small (LeNet's pools take well under a
millisecond), and measured on 2 cores a Numba parallel region cost more than the work it split:
about 1.5 ms serial against 4.8 ms parallel (median) for pool1's forward while the other core
was busy. The op layer runs big batches in slices on its kernel threads instead
(``tensorgrad.backends.batch_threads``).

Max pooling records, per output, the position of the maximum inside its window
(``i*kw + j``, -1 when the window holds no input pixel) in a small integer array: int8 for
windows of up to 127 positions, which keeps the backward pass's memory traffic low. The first
maximum in row-major window order wins ties; a NaN wins over any number and over an earlier
NaN (PyTorch's CPU scan keeps ``val > max or isnan(val)``), so the gradient goes to the
window's last NaN.
"""

import numpy as np

from .config import EXACT_JIT, JIT, njit
from .spin import announce


@njit(**EXACT_JIT)
def _edge_window_max(plane, y0, x0, kh, kw, dh, dw):
    """(max, position) of a window that may reach into the padding; (-inf, -1) if it lies
    wholly in the padding."""
    h_, w_ = plane.shape
    best = plane[0, 0]
    where = -1
    for i in range(kh):
        iy = y0 + i * dh
        if iy < 0 or iy >= h_:
            continue
        for j in range(kw):
            ix = x0 + j * dw
            if ix < 0 or ix >= w_:
                continue
            v = plane[iy, ix]
            if where < 0 or v > best or v != v:  # a later NaN wins too, as in PyTorch
                best = v
                where = i * kw + j
    if where < 0:
        best = -np.inf
    return best, where


@njit(**EXACT_JIT)
def max_pool_forward(x, index, kh, kw, sh, sw, ph, pw, dh, dw, relu):
    """Fill ``index`` (N, C, oh, ow) with window positions of the maxima; return the maxima.

    With ``relu`` the result is ``max(0, max(window))`` (ReLU fused in; the index still points
    at the window's maximum).
    """
    n_, c_, h_, w_ = x.shape
    oh, ow = index.shape[2], index.shape[3]
    out = np.empty((n_, c_, oh, ow), dtype=x.dtype)
    flat_x, flat_out, flat_index = x.reshape(-1), out.reshape(-1), index.reshape(-1)
    taps = kh * kw
    offsets = np.empty(taps, np.int64)  # of each window position from the window's corner
    for i in range(kh):
        for j in range(kw):
            offsets[i * kw + j] = i * dh * w_ + j * dw
    o = 0
    for nc in range(n_ * c_):
        base = nc * h_ * w_
        for y in range(oh):
            y0 = y * sh - ph
            rows_inside = y0 >= 0 and y0 + (kh - 1) * dh < h_
            for xx in range(ow):
                x0 = xx * sw - pw
                if rows_inside and x0 >= 0 and x0 + (kw - 1) * dw < w_:
                    # the common case: the window is inside. A plain ``>`` scan, with NaN/inf
                    # detected on the side (v - v is NaN only for them) and rescanned exactly.
                    p = base + y0 * w_ + x0
                    best = flat_x[p]
                    where = 0
                    odd = best - best
                    for k in range(1, taps):
                        v = flat_x[p + offsets[k]]
                        odd += v - v
                        if v > best:
                            best = v
                            where = k
                    if odd != odd:
                        best, where = _edge_window_max(x[nc // c_, nc % c_], y0, x0,
                                                       kh, kw, dh, dw)  # fmt: skip
                else:
                    best, where = _edge_window_max(x[nc // c_, nc % c_], y0, x0, kh, kw, dh, dw)
                if relu and best < 0:
                    best = 0
                flat_out[o] = best
                flat_index[o] = where
                o += 1
    return out


@njit(**EXACT_JIT)
def max_pool_forward_2x2(x, index, relu, out, entered=None):
    """``max_pool_forward`` for 2x2 windows, stride 2, no padding or dilation (LeNet's pools),
    into ``out``, with the same tie, NaN and ReLU rules.

    Branch-free so that LLVM vectorises it: a tournament (left pair, right pair, then the two
    winners; ties go to the earlier position) instead of a running maximum, and NaN/inf
    detected per row on the side, that row then redone exactly (pool1 at batch 64: 0.59 ms
    scalar -> 0.35 unrolled -> 0.22 branch-free). Its backward is ``max_pool_scatter_2x2``.
    """
    announce(entered)
    n_, c_, h_, w_ = x.shape
    oh, ow = index.shape[2], index.shape[3]
    for n in range(n_):
        for c in range(c_):
            plane = x[n, c]
            for y in range(oh):
                top, bottom = plane[2 * y], plane[2 * y + 1]
                out_row, index_row = out[n, c, y], index[n, c, y]
                odd = top[0] - top[0]  # stays 0 unless the row holds a NaN or an inf
                for xx in range(ow):
                    a, b = top[2 * xx], top[2 * xx + 1]
                    cc, d = bottom[2 * xx], bottom[2 * xx + 1]
                    upper = b > a
                    m1, i1 = (b, 1) if upper else (a, 0)
                    lower = d > cc
                    m2, i2 = (d, 3) if lower else (cc, 2)
                    second = m2 > m1
                    best, where = (m2, i2) if second else (m1, i1)
                    odd += (a - a) + (b - b) + (cc - cc) + (d - d)
                    if relu and best < 0:
                        best = 0
                    out_row[xx] = best
                    index_row[xx] = where
                if odd != 0:
                    for xx in range(ow):
                        best, where = _edge_window_max(plane, 2 * y, 2 * xx, 2, 2, 1, 1)
                        if relu and best < 0:
                            best = 0
                        out_row[xx] = best
                        index_row[xx] = where
    return out


@njit(**EXACT_JIT)
def max_pool_scatter(grad, index, kw, sh, sw, ph, pw, dh, dw, out, entered=None):
    """Max pooling's backward: ``out`` (N, C, H, W) zeroed, then each output gradient added to
    its window's maximum (index -1: nowhere)."""
    announce(entered)
    n_, c_, oh, ow = grad.shape
    out[:] = 0
    for nc in range(n_ * c_):
        n = nc // c_
        c = nc - n * c_
        for y in range(oh):
            for xx in range(ow):
                k = index[n, c, y, xx]
                if k >= 0:
                    i = k // kw
                    j = k - i * kw
                    out[n, c, y * sh - ph + i * dh, xx * sw - pw + j * dw] += grad[n, c, y, xx]
    return out


@njit(**EXACT_JIT)
def max_pool_scatter_2x2(grad, index, out, entered=None):
    """``max_pool_scatter`` for ``max_pool_forward_2x2``'s windows (side by side, all inside).

    Branch-free: every window writes once, at its maximum, or a 0 at its corner when its
    position is -1 (the windows do not overlap, so that 0 lands on a zero). Random argmax
    positions made the branches of the general loop mispredict (pool1 at batch 64: 0.54 ->
    0.24 ms).
    """
    announce(entered)
    n_, c_, oh, ow = grad.shape
    w_ = out.shape[3]
    out[:] = 0
    for n in range(n_):
        for c in range(c_):
            plane = out[n, c].reshape(-1)
            for y in range(oh):
                g_row, index_row = grad[n, c, y], index[n, c, y]
                base = 2 * y * w_
                for xx in range(ow):
                    k = index_row[xx]
                    kk = k if k >= 0 else 0
                    value = g_row[xx] if k >= 0 else g_row[xx] * 0
                    plane[base + (kk >> 1) * w_ + 2 * xx + (kk & 1)] = value
    return out


@njit(**EXACT_JIT)
def max_pool_gather(src, index, kw, sh, sw, ph, pw, dh, dw):
    """The adjoint of ``max_pool_scatter``: read ``src`` (N, C, H, W) at each window's maximum."""
    n_, c_, oh, ow = index.shape
    out = np.zeros((n_, c_, oh, ow), dtype=src.dtype)
    for nc in range(n_ * c_):
        n = nc // c_
        c = nc - n * c_
        for y in range(oh):
            for xx in range(ow):
                k = index[n, c, y, xx]
                if k >= 0:
                    i = k // kw
                    j = k - i * kw
                    out[n, c, y, xx] = src[n, c, y * sh - ph + i * dh, xx * sw - pw + j * dw]
    return out


@njit(**EXACT_JIT)
def max_pool_flat_index(index, w_, kw, sh, sw, ph, pw, dh, dw):
    """PyTorch's ``return_indices``: the flat index ``iy*W + ix`` into each input plane."""
    n_, c_, oh, ow = index.shape
    out = np.empty((n_, c_, oh, ow), dtype=np.int64)
    for nc in range(n_ * c_):
        n = nc // c_
        c = nc - n * c_
        for y in range(oh):
            for xx in range(ow):
                k = index[n, c, y, xx]
                if k < 0:  # a window wholly in the padding
                    out[n, c, y, xx] = -1
                    continue
                i = k // kw
                j = k - i * kw
                out[n, c, y, xx] = (y * sh - ph + i * dh) * w_ + xx * sw - pw + j * dw
    return out


@njit(**JIT)
def _window(start, size, limit, pad):
    """Clipped [lo, hi) of a window and its extent inside the padded input (PyTorch's rule)."""
    end = min(start + size, limit + pad)
    padded = end - start
    return max(start, 0), min(end, limit), padded


@njit(**JIT)
def avg_pool_forward(x, oh, ow, kh, kw, sh, sw, ph, pw, count_include_pad):
    """Average of each window; the divisor counts padding only with ``count_include_pad``."""
    n_, c_, h_, w_ = x.shape
    out = np.empty((n_, c_, oh, ow), dtype=x.dtype)
    for nc in range(n_ * c_):
        n = nc // c_
        c = nc - n * c_
        plane = x[n, c]
        for y in range(oh):
            y_lo, y_hi, y_pad = _window(y * sh - ph, kh, h_, ph)
            for xx in range(ow):
                x_lo, x_hi, x_pad = _window(xx * sw - pw, kw, w_, pw)
                total = 0.0
                for iy in range(y_lo, y_hi):
                    for ix in range(x_lo, x_hi):
                        total += plane[iy, ix]
                count = y_pad * x_pad if count_include_pad else (y_hi - y_lo) * (x_hi - x_lo)
                out[n, c, y, xx] = total / count
    return out


@njit(**JIT)
def avg_pool_backward(grad, h_, w_, kh, kw, sh, sw, ph, pw, count_include_pad):
    """The adjoint of ``avg_pool_forward``: spread each gradient evenly over its window."""
    n_, c_, oh, ow = grad.shape
    out = np.zeros((n_, c_, h_, w_), dtype=grad.dtype)
    for nc in range(n_ * c_):
        n = nc // c_
        c = nc - n * c_
        plane = out[n, c]
        for y in range(oh):
            y_lo, y_hi, y_pad = _window(y * sh - ph, kh, h_, ph)
            for xx in range(ow):
                x_lo, x_hi, x_pad = _window(xx * sw - pw, kw, w_, pw)
                count = y_pad * x_pad if count_include_pad else (y_hi - y_lo) * (x_hi - x_lo)
                share = grad[n, c, y, xx] / count
                for iy in range(y_lo, y_hi):
                    for ix in range(x_lo, x_hi):
                        plane[iy, ix] += share
    return out
