"""The CPU's convolutions: direct Numba kernels on zero-padded "wide" planes, any stride.

Stride 1 convolves the padded planes (``tensorgrad.kernels.direct_conv``); a strided
convolution first splits them into their stride phases, where every tap is again a constant
offset (``tensorgrad.kernels.strided_conv``). Either way a few images are packed per pass and
each slice of the batch (one per kernel thread) runs its whole pipeline on its own images; no
column matrix, no GEMM. 3x3 stride-1 convolutions with many channels on big planes go to
Winograd's F(2x2, 3x3) instead (``tensorgrad.backends.cpu_winograd``: forward and input
gradient; ``use_winograd`` says which). ``conv2d`` takes the bias as an optional third input
and adds it while cropping its output. The three functions are the CPU's entries of the
backend table behind the ops in ``tensorgrad.ops.conv``; parameters arrive normalised (see
there), no validation here.
"""

import functools

import numpy as np

from ..kernels import direct_conv as kdirect
from ..kernels import strided_conv as kstrided
from . import cpu_winograd as winograd
from .batch_threads import ENTERED, batch_slices, run_slices
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
                bias[k * og : (k + 1) * og], _group(out[s], groups, k), ENTERED,
            )  # fmt: skip

    run_slices(run, batch_slices(n, out.size * w[0].size), announced=True)
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
                reach, tap_channel, tap_offset, part, ENTERED,
            )  # fmt: skip
            dwt[k * og : (k + 1) * og] = part[:og, :taps]
        return dwt

    slices = batch_slices(x.shape[0], g.size * taps)
    return sum(run_slices(run, slices, announced=True)).reshape(weight_shape)


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
                _group(dx[s], groups, k), ENTERED,
            )  # fmt: skip

    run_slices(run, batch_slices(n, g.size * c_in * kh * kw // groups), announced=True)
    return dx


# -- strided: direct kernels on phase planes (tensorgrad.kernels.strided_conv), packed a few
# images at a time like the stride-1 planes; each slice of the batch runs its own pipeline
def _phase_layout(input_shape, padding, geometry):
    """(wps, step, chunk): the phase planes' width, their size (the distance between packed
    images) and images per chunk."""
    h, w = input_shape[2:]
    pt, pb, pl, pr = padding
    sh, sw = geometry[2:4]
    wps = -(-(w + pl + pr) // sw)
    step = -(-(h + pt + pb) // sh) * wps
    return wps, step, max(1, CHUNK // step)


def _phase_tap(i: int, j: int, geometry, wps: int) -> tuple[int, int]:
    """Tap (i, j)'s phase (a*sw + b) and its offset in the phase plane."""
    _, _, sh, sw, _, _, dh, dw, _, _ = geometry
    return (i * dh % sh) * sw + j * dw % sw, (i * dh // sh) * wps + j * dw // sw


@functools.lru_cache(maxsize=64)
def _phase_taps(channels: int, geometry, wps: int, multiple: int):
    """Each tap (c, i, j), in that order, as its phase channel and offset, padded to a
    ``multiple`` with channel-0, offset-0 taps (read-only: shared by calls)."""
    kh, kw, sh, sw = geometry[:4]
    taps = channels * kh * kw
    channel = np.zeros(-(-taps // multiple) * multiple, dtype=np.int64)
    offset = np.zeros_like(channel)
    for c in range(channels):
        for i in range(kh):
            for j in range(kw):
                phase, off = _phase_tap(i, j, geometry, wps)
                channel[(c * kh + i) * kw + j] = c * sh * sw + phase
                offset[(c * kh + i) * kw + j] = off
    channel.flags.writeable = offset.flags.writeable = False
    return channel, offset


def _padded(a: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """2-D ``a`` zero-padded up to multiples of ``rows`` and ``cols`` (contiguous)."""
    out = np.zeros((-(-a.shape[0] // rows) * rows, -(-a.shape[1] // cols) * cols), dtype=a.dtype)
    out[: a.shape[0], : a.shape[1]] = a
    return out


def _strided_forward(x, w, bias, geometry, padding, groups):
    kh, kw, _, _, pt, pl, _, _, oh, ow = geometry
    wps, step, chunk = _phase_layout(x.shape, padding, geometry)
    n, og = x.shape[0], w.shape[0] // groups
    cg, sh, sw = x.shape[1] // groups, *geometry[2:4]
    tap_channel, tap_offset = _phase_taps(cg, geometry, wps, 3)
    parts = [_padded(w[k * og : (k + 1) * og].reshape(og, -1), 4, 3) for k in range(groups)]
    out = np.empty((n, w.shape[0], oh, ow), dtype=x.dtype)

    def run(s):
        for k in range(groups):
            kstrided.conv_forward(
                _group(x[s], groups, k), tap_channel, tap_offset, parts[k], pt, pl, sh, sw, wps,
                cg * sh * sw, step, oh * wps, chunk, bias[k * og : (k + 1) * og],
                _group(out[s], groups, k), ENTERED,
            )  # fmt: skip

    run_slices(run, batch_slices(n, out.size * w[0].size), announced=True)
    return out


def _strided_input_grad(g, w, input_shape, geometry, padding, groups):
    kh, kw, sh, sw, pt, pl, _, _, _, _ = geometry
    wps, step, chunk = _phase_layout(input_shape, padding, geometry)
    og, cg = w.shape[0] // groups, w.shape[1]
    lead = _phase_tap(kh - 1, kw - 1, geometry, wps)[1]
    # per phase, the taps (o, i, j) that read it: the output gradient's channel o, read ``lead
    # - offset`` in, weighted by w[o, :, i, j] for each input channel
    phases = [[(i, j) for i in range(kh) for j in range(kw)
               if _phase_tap(i, j, geometry, wps)[0] == p] for p in range(sh * sw)]  # fmt: skip
    taps = np.array([-(-len(ij) * og // 3) * 3 for ij in phases])  # per phase, padded to 3s
    most = int(taps.max())
    tap_channel = np.zeros((sh * sw, most), dtype=np.int64)
    tap_offset = np.zeros_like(tap_channel)
    for p, ij in enumerate(phases):
        tap_channel[p, : og * len(ij)] = np.repeat(np.arange(og), len(ij))
        offsets = [lead - _phase_tap(i, j, geometry, wps)[1] for i, j in ij]
        tap_offset[p, : og * len(ij)] = np.tile(offsets, og)
    weights = []
    for k in range(groups):
        wk = w[k * og : (k + 1) * og]
        per_phase = np.zeros((sh * sw, -(-cg // 4) * 4, most), dtype=w.dtype)
        for p, ij in enumerate(phases):
            if ij:
                reach = wk[:, :, [i for i, _ in ij], [j for _, j in ij]]  # (O, C, n)
                per_phase[p, :cg, : og * len(ij)] = reach.transpose(1, 0, 2).reshape(cg, -1)
        weights.append(per_phase)
    dx = np.empty(input_shape, dtype=g.dtype)

    def run(s):
        for k in range(groups):
            kstrided.conv_input_grad(
                _group(g[s], groups, k), tap_channel, tap_offset, weights[k], taps, lead, pt, pl,
                sh, sw, wps, step, chunk, _group(dx[s], groups, k), ENTERED,
            )  # fmt: skip

    run_slices(run, batch_slices(input_shape[0], g.size * w[0].size), announced=True)
    return dx


def _strided_weight_grad(x, g, weight_shape, geometry, padding, groups):
    kh, kw, sh, sw, pt, pl, _, _, oh, _ = geometry
    wps, step, chunk = _phase_layout(x.shape, padding, geometry)
    c_out, cg = weight_shape[0], weight_shape[1]
    og, taps = c_out // groups, cg * kh * kw
    tap_channel, tap_offset = _phase_taps(cg, geometry, wps, 4)

    def run(s):
        dwt = np.empty((c_out, taps), dtype=x.dtype)
        for k in range(groups):
            part = np.empty((og + og % 2, tap_channel.size), dtype=x.dtype)  # even rows
            kstrided.conv_weight_grad(
                _group(x[s], groups, k), _group(g[s], groups, k), pt, pl, sh, sw, wps,
                cg * sh * sw, step, oh * wps, chunk, tap_channel, tap_offset, part, ENTERED,
            )  # fmt: skip
            dwt[k * og : (k + 1) * og] = part[:og, :taps]
        return dwt

    slices = batch_slices(x.shape[0], g.size * taps)
    return sum(run_slices(run, slices, announced=True)).reshape(weight_shape)


def conv2d(x, w, *bias, stride, padding, dilation, groups, keep_padded=False):
    """The output and a residual of None: the CPU ignores ``keep_padded`` (its weight gradient
    packs the padded planes chunk by chunk again, cheaper than keeping a padded batch)."""
    geometry = conv_geometry(x.shape, w.shape, stride, padding, dilation)
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    b = bias[0] if bias else np.zeros(w.shape[0], dtype=x.dtype)
    if winograd.use_winograd(w.shape, geometry, stride, padding, dilation, groups):
        return winograd.forward(x, w, b, padding), None
    if stride == (1, 1):
        return _direct_forward(x, w, b, geometry, padding, groups)
    return _strided_forward(x, w, b, geometry, padding, groups), None


def conv2d_input_grad(g, w, *, input_shape, stride, padding, dilation, groups):
    geometry = conv_geometry(input_shape, w.shape, stride, padding, dilation)
    g, w = np.ascontiguousarray(g), np.ascontiguousarray(w)
    if winograd.use_winograd(w.shape, geometry, stride, padding, dilation, groups):
        return winograd.input_grad(g, w, padding)
    if stride == (1, 1):
        return _direct_input_grad(g, w, tuple(input_shape), geometry, padding, groups)
    return _strided_input_grad(g, w, tuple(input_shape), geometry, padding, groups)


def conv2d_weight_grad(x, g, *, weight_shape, stride, padding, dilation, groups, padded=None):
    """``padded``: the forward's residual, None on the CPU (see ``conv2d``)."""
    geometry = conv_geometry(x.shape, weight_shape, stride, padding, dilation)
    x, g = np.ascontiguousarray(x), np.ascontiguousarray(g)
    if stride == (1, 1):
        return _direct_weight_grad(x, g, tuple(weight_shape), geometry, padding, groups)
    return _strided_weight_grad(x, g, tuple(weight_shape), geometry, padding, groups)
