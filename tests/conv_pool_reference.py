"""Naive plain-loop references for the conv/pool kernels (slow, obviously right, tests only)."""

import numpy as np


def conv_out(size, k, s, lo, hi, d):
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def pool_out(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape, written out independently of the library's."""
    numerator = size + 2 * p - d * (k - 1) - 1
    if ceil_mode:
        out = int(np.ceil(numerator / s)) + 1
        if (out - 1) * s >= size + p:
            out -= 1
    else:
        out = numerator // s + 1
    return out


def _at(x, n, c, iy, ix):
    """x[n, c, iy, ix], or None outside the image."""
    if 0 <= iy < x.shape[2] and 0 <= ix < x.shape[3]:
        return x[n, c, iy, ix]
    return None


def conv2d(x, w, stride, pads, dilation, groups):
    n_, c_in, h, wd = x.shape
    c_out, cg, kh, kw = w.shape
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, pads, dilation
    oh, ow = conv_out(h, kh, sh, pt, pb, dh), conv_out(wd, kw, sw, pl, pr, dw)
    og = c_out // groups
    out = np.zeros((n_, c_out, oh, ow), dtype=np.float64)
    for n in range(n_):
        for co in range(c_out):
            g = co // og
            for y in range(oh):
                for xx in range(ow):
                    total = 0.0
                    for ci in range(cg):
                        for i in range(kh):
                            for j in range(kw):
                                v = _at(
                                    x, n, g * cg + ci, y * sh + i * dh - pt, xx * sw + j * dw - pl
                                )
                                if v is not None:
                                    total += v * w[co, ci, i, j]
                    out[n, co, y, xx] = total
    return out


def conv2d_grads(x, w, g, stride, pads, dilation, groups):
    """(d<conv2d(x, w), g>/dx, .../dw) by looping over every product term."""
    c_out, cg, kh, kw = w.shape
    (sh, sw), (pt, _, pl, _), (dh, dw) = stride, pads, dilation
    og = c_out // groups
    dx, dwt = np.zeros(x.shape), np.zeros(w.shape)
    for n in range(g.shape[0]):
        for co in range(c_out):
            grp = co // og
            for y in range(g.shape[2]):
                for xx in range(g.shape[3]):
                    for ci in range(cg):
                        for i in range(kh):
                            for j in range(kw):
                                iy, ix = y * sh + i * dh - pt, xx * sw + j * dw - pl
                                if _at(x, n, grp * cg + ci, iy, ix) is None:
                                    continue
                                dx[n, grp * cg + ci, iy, ix] += g[n, co, y, xx] * w[co, ci, i, j]
                                dwt[co, ci, i, j] += g[n, co, y, xx] * x[n, grp * cg + ci, iy, ix]
    return dx, dwt


def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode):
    """(max values, flat argmax index in the plane); the first maximum wins ties, the last NaN
    wins over everything (PyTorch's CPU scan: ``val > max or isnan(val)``)."""
    n_, c_, h, w = x.shape
    oh = pool_out(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = pool_out(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    out = np.zeros((n_, c_, oh, ow))
    idx = np.zeros((n_, c_, oh, ow), dtype=np.int64)
    for n in range(n_):
        for c in range(c_):
            for y in range(oh):
                for xx in range(ow):
                    best, where = -np.inf, -1
                    for i in range(kernel[0]):
                        for j in range(kernel[1]):
                            iy = y * stride[0] - padding[0] + i * dilation[0]
                            ix = xx * stride[1] - padding[1] + j * dilation[1]
                            v = _at(x, n, c, iy, ix)
                            if v is not None and (where < 0 or v > best or np.isnan(v)):
                                best, where = v, iy * w + ix
                    out[n, c, y, xx], idx[n, c, y, xx] = best, where
    return out, idx


def max_pool2d_grad(x_shape, idx, g):
    dx = np.zeros(x_shape)
    for n, c, y, xx in np.ndindex(g.shape):
        if idx[n, c, y, xx] < 0:  # a window wholly in the padding: no gradient
            continue
        iy, ix = divmod(idx[n, c, y, xx], x_shape[3])
        dx[n, c, iy, ix] += g[n, c, y, xx]
    return dx


def avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """(averages, the matrix-free adjoint as a function g -> dx)."""
    n_, c_, h, w = x.shape
    oh = pool_out(h, kernel[0], stride[0], padding[0], 1, ceil_mode)
    ow = pool_out(w, kernel[1], stride[1], padding[1], 1, ceil_mode)
    windows = {}
    for y in range(oh):
        for xx in range(ow):
            y0, x0 = y * stride[0] - padding[0], xx * stride[1] - padding[1]
            y1 = min(y0 + kernel[0], h + padding[0])
            x1 = min(x0 + kernel[1], w + padding[1])
            cells = [
                (iy, ix)
                for iy in range(max(y0, 0), min(y1, h))
                for ix in range(max(x0, 0), min(x1, w))
            ]
            count = (y1 - y0) * (x1 - x0) if count_include_pad else len(cells)
            windows[y, xx] = (cells, count)
    out = np.zeros((n_, c_, oh, ow))
    for n in range(n_):
        for c in range(c_):
            for (y, xx), (cells, count) in windows.items():
                out[n, c, y, xx] = sum(x[n, c, iy, ix] for iy, ix in cells) / count

    def adjoint(g):
        dx = np.zeros(x.shape)
        for n in range(n_):
            for c in range(c_):
                for (y, xx), (cells, count) in windows.items():
                    for iy, ix in cells:
                        dx[n, c, iy, ix] += g[n, c, y, xx] / count
        return dx

    return out, adjoint
