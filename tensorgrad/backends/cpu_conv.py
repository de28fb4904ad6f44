"""The CPU's convolutions: direct Numba kernels for stride 1, im2col + GEMM otherwise.

With stride 1 (the common case) the arithmetic is direct: Numba kernels on zero-padded "wide"
planes, a few images packed per pass (``tensorgrad.kernels.direct_conv``). Strided convolutions
run im2col (a Numba kernel) and one one-thread BLAS GEMM per group. Either way each slice of
the batch (one per kernel thread) runs its whole pipeline on its own images. ``conv2d`` takes
the bias as an optional third input and adds it while cropping its output. The three functions
are the CPU's entries of the backend table behind the ops in ``tensorgrad.ops.conv``;
parameters arrive normalised (see there), no validation here.
"""

import functools

import numpy as np

from ..kernels import conv as kconv
from ..kernels import direct_conv as kdirect
from .batch_threads import batch_slices, run_slices
from .geometry import conv_geometry

# -- stride 1: direct kernels on packed wide planes (tensorgrad.kernels.direct_conv). Each
# slice of the batch (one per kernel thread) packs, convolves and crops its own images
CHUNK = 1024  # elements of a packed row: several small images per pass, all in L1/L2


def _layout(input_shape, padding, geometry, lead=0):
    """(wp, step, tail, chunk): the padded planes' row stride (one row's right padding and the
    next one's left padding share their zeros: the width plus the larger of the two); the
    distance between packed images (a padded plane, less the zero rows that one image's bottom
    padding and the next one's top padding share); the last image's valid outputs (``lead +
    oh*wp``); images per chunk. The shared zeros are fewer garbage outputs to compute: 8 per
    row instead of 9 for the residual LeNet's 7x7 planes."""
    h, w = input_shape[2:]
    pt, pb, pl, pr = padding
    wp = w + max(pl, pr)
    step = (h + pt + pb - min(pt, pb)) * wp
    return wp, step, lead + geometry[-2] * wp, max(1, CHUNK // step)


def _group(array: np.ndarray, groups: int, k: int) -> np.ndarray:
    """Group ``k``'s channels (axis 1): a strided view when groups > 1 (the kernels take any
    layout)."""
    if groups == 1:
        return array
    size = array.shape[1] // groups
    return array[:, k * size : (k + 1) * size]


def _blocked(w: np.ndarray, block: int) -> np.ndarray:
    """``w`` with its first axis padded with zeros to a multiple of ``block`` (contiguous)."""
    extra = -w.shape[0] % block
    if extra == 0:
        return np.ascontiguousarray(w)
    return np.concatenate([w, np.zeros((extra, *w.shape[1:]), dtype=w.dtype)])


def _direct_forward(x, w, bias, geometry, padding, groups):
    kh, kw, _, _, pt, pl, dh, dw, oh, ow = geometry
    wp, step, tail, chunk = _layout(x.shape, padding, geometry)
    n = x.shape[0]
    out = np.empty((n, w.shape[0], oh, ow), dtype=x.dtype)
    og = w.shape[0] // groups
    block = kdirect.block_of(kw, dw)
    parts = [_blocked(w[k * og : (k + 1) * og], block) for k in range(groups)]

    def run(s):
        for k in range(groups):
            kdirect.conv_forward(
                _group(x[s], groups, k), parts[k], pt, pl, wp, step, tail, chunk, dh, dw,
                bias[k * og : (k + 1) * og], _group(out[s], groups, k),
            )  # fmt: skip

    run_slices(run, batch_slices(n, out.size * w[0].size))
    return out, None


@functools.lru_cache(maxsize=64)
def _taps(channels: int, kh: int, kw: int, row: int, dw: int):
    """Each tap's channel and offset in its padded plane (kernel row i starts ``i*row`` in),
    padded to a multiple of 4 with channel-0, offset-0 taps (read-only: shared by calls)."""
    taps = channels * kh * kw
    channel = np.zeros(-(-taps // 4) * 4, dtype=np.int64)
    offset = np.zeros_like(channel)
    channel[:taps] = np.repeat(np.arange(channels), kh * kw)
    offset[:taps] = np.tile((np.arange(kh)[:, None] * row + np.arange(kw) * dw).ravel(), channels)
    channel.flags.writeable = offset.flags.writeable = False
    return channel, offset


def _direct_weight_grad(x, g, weight_shape, geometry, padding, groups):
    kh, kw, _, _, pt, pl, dh, dw, _, _ = geometry
    wp, step, tail, chunk = _layout(x.shape, padding, geometry)
    c_out, cg = weight_shape[0], weight_shape[1]
    og, taps = c_out // groups, cg * kh * kw
    tap_channel, tap_offset = _taps(cg, kh, kw, dh * wp, dw)
    reach = (kh - 1) * dh * wp + (kw - 1) * dw

    def run(s):
        dwt = np.empty((c_out, taps), dtype=x.dtype)
        for k in range(groups):
            part = np.empty((og + og % 2, tap_channel.size), dtype=x.dtype)  # even rows
            kdirect.conv_weight_grad(
                _group(x[s], groups, k), _group(g[s], groups, k), pt, pl, wp, step, tail, chunk,
                reach, tap_channel, tap_offset, part,
            )  # fmt: skip
            dwt[k * og : (k + 1) * og] = part[:og, :taps]
        return dwt

    return sum(run_slices(run, batch_slices(x.shape[0], g.size * taps))).reshape(weight_shape)


def _direct_input_grad(g, w, input_shape, geometry, padding, groups):
    """The gradient of the padded input, ``dxpad[p] = sum w[i, j] * grows[p - i*dh*Wp - j*dw]``
    over the output gradient as wide rows (zero past ow): kernel row i adds the rows, read
    after (kw-1)*dw leading zeros with the kernel row flipped, i*dh padded rows further down
    (the direct kernels' transpose mode: each kernel row touches only the oh rows it reaches).
    The inside of the padded gradient is the input's gradient."""
    kh, kw, _, _, pt, pl, dh, dw, oh, ow = geometry
    n, c_in = input_shape[:2]
    wp, step, tail, chunk = _layout(input_shape, padding, geometry, lead=(kw - 1) * dw)
    block = kdirect.block_of(kw, dw)
    # (C_out, C_in/G, kh, kw) -> per group (C_in/G, C_out/G, kh, kw), rows flipped
    og = w.shape[0] // groups
    flipped = [
        _blocked(w[k * og : (k + 1) * og, :, :, ::-1].transpose(1, 0, 2, 3), block)
        for k in range(groups)
    ]
    dx = np.empty(input_shape, dtype=g.dtype)

    def run(s):
        for k in range(groups):
            kdirect.conv_input_grad(
                _group(g[s], groups, k), flipped[k], wp, step, tail, chunk, dh, dw, pt, pl,
                _group(dx[s], groups, k),
            )  # fmt: skip

    run_slices(run, batch_slices(n, g.size * c_in * kh * kw // groups))
    return dx


# -- strided: each slice of the batch (one per kernel thread) runs im2col (or col2im) and one
# one-thread BLAS GEMM per group on its own images: no batch-sized column matrix
def _columns(x, geometry):
    """x (n, C, H, W) unfolded into columns (C*kh*kw, n, oh*ow)."""
    kh, kw, *_, oh, ow = geometry
    cols = np.empty((x.shape[1] * kh * kw, x.shape[0], oh * ow), dtype=x.dtype)
    return kconv.im2col(x, *geometry, 0, x.shape[0], cols)


def _grad_rows(g: np.ndarray, groups: int) -> np.ndarray:
    """An output gradient (n, C_out, oh, ow) as GEMM rows (G, C_out/G, n*oh*ow)."""
    c_out = g.shape[1]
    return np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(groups, c_out // groups, -1)


def _strided_forward(x, w, bias, geometry, groups):
    oh, ow = geometry[-2:]
    n, c_out = x.shape[0], w.shape[0]
    w2 = w.reshape(groups, c_out // groups, -1)
    out = np.empty((n, c_out, oh, ow), dtype=x.dtype)

    def run(s):
        cols = _columns(x[s], geometry)
        res = np.matmul(w2, cols.reshape(groups, -1, cols.shape[1] * cols.shape[2]))
        kconv.crop_wide(res.reshape(c_out, -1, oh, ow), bias, out[s])

    run_slices(run, batch_slices(n, out.size * w[0].size))
    return out


def _strided_input_grad(g, w, input_shape, geometry, groups):
    c_out = w.shape[0]
    w2 = w.reshape(groups, c_out // groups, -1).transpose(0, 2, 1)
    dx = np.empty(input_shape, dtype=g.dtype)

    def run(s):
        cols = np.matmul(w2, _grad_rows(g[s], groups)).reshape(-1, dx[s].shape[0], g[0, 0].size)
        kconv.col2im(cols, *geometry, 0, cols.shape[1], dx[s])

    run_slices(run, batch_slices(input_shape[0], g.size * w[0].size))
    return dx


def _strided_weight_grad(x, g, weight_shape, geometry, groups):
    def run(s):
        cols = _columns(x[s], geometry)
        cols = cols.reshape(groups, -1, cols.shape[1] * cols.shape[2])
        # BLAS reads the transposed columns in place
        return np.matmul(_grad_rows(g[s], groups), cols.transpose(0, 2, 1))

    taps = weight_shape[1] * weight_shape[2] * weight_shape[3]
    return sum(run_slices(run, batch_slices(x.shape[0], g.size * taps))).reshape(weight_shape)


def conv2d(x, w, *bias, stride, padding, dilation, groups, keep_padded=False):
    """The output and a residual of None: the CPU ignores ``keep_padded`` (its weight gradient
    packs the padded planes chunk by chunk again, cheaper than keeping a padded batch)."""
    geometry = conv_geometry(x.shape, w.shape, stride, padding, dilation)
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    b = bias[0] if bias else np.zeros(w.shape[0], dtype=x.dtype)
    if stride == (1, 1):
        return _direct_forward(x, w, b, geometry, padding, groups)
    return _strided_forward(x, w, b, geometry, groups), None


def conv2d_input_grad(g, w, *, input_shape, stride, padding, dilation, groups):
    geometry = conv_geometry(input_shape, w.shape, stride, padding, dilation)
    g, w = np.ascontiguousarray(g), np.ascontiguousarray(w)
    if stride == (1, 1):
        return _direct_input_grad(g, w, tuple(input_shape), geometry, padding, groups)
    return _strided_input_grad(g, w, tuple(input_shape), geometry, groups)


def conv2d_weight_grad(x, g, *, weight_shape, stride, padding, dilation, groups, padded=None):
    """``padded``: the forward's residual, None on the CPU (see ``conv2d``)."""
    geometry = conv_geometry(x.shape, weight_shape, stride, padding, dilation)
    x, g = np.ascontiguousarray(x), np.ascontiguousarray(g)
    if stride == (1, 1):
        return _direct_weight_grad(x, g, tuple(weight_shape), geometry, padding, groups)
    return _strided_weight_grad(x, g, tuple(weight_shape), geometry, groups)
