"""Convolution and pooling for any array module, one window tap at a time.

Each of the kh*kw taps of a window is one strided slice of the padded input, so im2col, its
adjoint (col2im) and the pools are kh*kw slice copies or slice additions plus one matmul: a
handful of large array operations that a GPU runs well, with nothing but ``xp`` calls (no
Numba, no host round trip). The CUDA backend uses them, and so does the test device that
stands in for a GPU in CI.
"""

from .geometry import conv_geometry


def _tap(i: int, j: int, geometry) -> tuple:
    """The slice of the padded input that tap (i, j) of every window reads."""
    kh, kw, sh, sw, _, _, dh, dw, oh, ow = geometry
    return (
        slice(None),
        slice(None),
        slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
        slice(j * dw, j * dw + (ow - 1) * sw + 1, sw),
    )


def _padded(xp, x, geometry, fill):
    """``x`` inside a (N, C, rows, cols) array of ``fill``, large enough for every window
    (a ceil-mode window may hang past the explicit padding)."""
    kh, kw, sh, sw, pt, pl, dh, dw, oh, ow = geometry
    n, c, h, w = x.shape
    rows = max((oh - 1) * sh + (kh - 1) * dh + 1, pt + h)
    cols = max((ow - 1) * sw + (kw - 1) * dw + 1, pl + w)
    out = xp.full((n, c, rows, cols), fill, dtype=x.dtype)
    out[:, :, pt : pt + h, pl : pl + w] = x
    return out


def windows(xp, x, geometry, fill=0):
    """(N, C, kh*kw, oh, ow): every window's elements, tap by tap."""
    kh, kw, *_, oh, ow = geometry
    padded = _padded(xp, x, geometry, fill)
    out = xp.empty((x.shape[0], x.shape[1], kh * kw, oh, ow), dtype=x.dtype)
    for t in range(kh * kw):
        out[:, :, t] = padded[_tap(t // kw, t % kw, geometry)]
    return out


def add_windows(xp, cols, input_shape, geometry):
    """The adjoint of ``windows``: each tap's values added back where they were read."""
    kh, kw, sh, sw, pt, pl, dh, dw, oh, ow = geometry
    n, c, h, w = input_shape
    padded = _padded(xp, xp.zeros((n, c, h, w), dtype=cols.dtype), geometry, 0)
    for t in range(kh * kw):
        padded[_tap(t // kw, t % kw, geometry)] += cols[:, :, t]
    return padded[:, :, pt : pt + h, pl : pl + w]


# -- convolution: im2col + one batched matmul per call ----------------------------------------
def _columns(xp, x, geometry, groups):
    """(N, G, C/G*kh*kw, oh*ow): the windows as GEMM columns, per group."""
    n = x.shape[0]
    return windows(xp, x, geometry).reshape(n, groups, -1, geometry[-2] * geometry[-1])


def conv2d(xp, x, w, *bias, stride, padding, dilation, groups, keep_padded=False):
    geometry = conv_geometry(x.shape, w.shape, stride, padding, dilation)
    n, c_out, (oh, ow) = x.shape[0], w.shape[0], geometry[-2:]
    w2 = w.reshape(1, groups, c_out // groups, -1)
    out = xp.matmul(w2, _columns(xp, x, geometry, groups)).reshape(n, c_out, oh, ow)
    if bias:
        out += bias[0].reshape(1, -1, 1, 1)
    return out, None


def conv2d_input_grad(xp, g, w, *, input_shape, stride, padding, dilation, groups):
    geometry = conv_geometry(input_shape, w.shape, stride, padding, dilation)
    n, c_out = g.shape[:2]
    w2 = w.reshape(1, groups, c_out // groups, -1).transpose(0, 1, 3, 2)
    rows = g.reshape(n, groups, c_out // groups, -1)
    kh, kw, *_, oh, ow = geometry
    cols = xp.matmul(w2, rows).reshape(n, input_shape[1], kh * kw, oh, ow)
    return add_windows(xp, cols, tuple(input_shape), geometry)


def conv2d_weight_grad(
    xp, x, g, *, weight_shape, stride, padding, dilation, groups, padded=None
):
    geometry = conv_geometry(x.shape, weight_shape, stride, padding, dilation)
    n, c_out = g.shape[:2]
    rows = g.reshape(n, groups, c_out // groups, -1)
    cols = _columns(xp, x, geometry, groups)
    return xp.matmul(rows, cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(weight_shape)


# -- pooling ------------------------------------------------------------------------------------
def _pool_geometry(kernel_size, stride, padding, dilation, out_size):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    return (kh, kw, sh, sw, ph, pw, dh, dw, *out_size)


def max_pool2d(xp, x, *, kernel_size, stride, padding, dilation, out_size, relu):
    geometry = _pool_geometry(kernel_size, stride, padding, dilation, out_size)
    found = windows(xp, x, geometry, fill=float("-inf"))
    index = xp.argmax(found, axis=2)  # the first maximum (NumPy's argmax: the first NaN)
    nan = xp.isnan(found)
    last_nan = (found.shape[2] - 1) - xp.argmax(nan[:, :, ::-1], axis=2)
    index = xp.where(nan.any(axis=2), last_nan, index)  # PyTorch: the last NaN
    out = xp.take_along_axis(found, index[:, :, None], axis=2)[:, :, 0]
    # a window whose real elements are all -inf keeps its first real element (not a padding
    # position); one wholly in the padding gets -1, as the CPU's kernel
    inside = windows(xp, xp.ones((1, 1) + x.shape[2:], dtype=x.dtype), geometry)
    first = xp.where(inside.max(axis=2) > 0, xp.argmax(inside, axis=2), -1)
    index = xp.where(out == float("-inf"), first, index)
    if relu:
        out = xp.maximum(out, 0)
    return out, index


def max_pool2d_scatter(xp, grad, *, index, input_shape, kernel_size, stride, padding, dilation):
    """Each window's gradient added at its maximum's position (position -1: nowhere)."""
    geometry = _pool_geometry(kernel_size, stride, padding, dilation, grad.shape[2:])
    taps = xp.arange(kernel_size[0] * kernel_size[1]).reshape(1, 1, -1, 1, 1)
    cols = xp.where(index[:, :, None] == taps, grad[:, :, None], 0).astype(grad.dtype)
    return add_windows(xp, cols, tuple(input_shape), geometry)


def max_pool2d_gather(xp, src, *, index, input_shape, kernel_size, stride, padding, dilation):
    """Each window's value read at its maximum's position: the scatter's adjoint."""
    geometry = _pool_geometry(kernel_size, stride, padding, dilation, index.shape[2:])
    found = windows(xp, src, geometry)
    safe = xp.maximum(index, 0)[:, :, None]
    picked = xp.take_along_axis(found, safe, axis=2)[:, :, 0]
    return xp.where(index >= 0, picked, 0).astype(src.dtype)


def max_pool2d_flat_index(xp, index, *, input_shape, kernel_size, stride, padding, dilation):
    """PyTorch's ``return_indices``: the maximum's flat position in its H*W plane."""
    (kw, (sh, sw), (ph, pw), (dh, dw)) = (kernel_size[1], stride, padding, dilation)
    oh, ow = index.shape[2:]
    rows = xp.arange(oh).reshape(-1, 1) * sh - ph + (index // kw) * dh
    cols = xp.arange(ow).reshape(1, -1) * sw - pw + (index % kw) * dw
    return xp.where(index >= 0, rows * input_shape[3] + cols, -1).astype(xp.int64)


def _avg_counts(xp, input_shape, dtype, geometry, count_include_pad):
    """Each window's divisor: the elements it covers, padding included or not (PyTorch's)."""
    _, _, h, w = input_shape
    ph, pw = geometry[4], geometry[5]
    if count_include_pad:
        inside = xp.ones((1, 1, h + 2 * ph, w + 2 * pw), dtype=dtype)
        shifted = geometry[:4] + (0, 0) + geometry[6:]
        return windows(xp, inside, shifted).sum(axis=2)
    return windows(xp, xp.ones((1, 1, h, w), dtype=dtype), geometry).sum(axis=2)


def avg_pool2d(xp, x, *, kernel_size, stride, padding, out_size, count_include_pad):
    geometry = _pool_geometry(kernel_size, stride, padding, (1, 1), out_size)
    counts = _avg_counts(xp, x.shape, x.dtype, geometry, count_include_pad)
    return windows(xp, x, geometry).sum(axis=2) / counts


def avg_pool2d_backward(
    xp, grad, *, input_shape, kernel_size, stride, padding, count_include_pad
):
    geometry = _pool_geometry(kernel_size, stride, padding, (1, 1), grad.shape[2:])
    counts = _avg_counts(xp, tuple(input_shape), grad.dtype, geometry, count_include_pad)
    share = (grad / counts)[:, :, None]
    taps = kernel_size[0] * kernel_size[1]
    cols = xp.broadcast_to(share, share.shape[:2] + (taps,) + share.shape[3:])
    return add_windows(xp, cols, tuple(input_shape), geometry)
