"""Direct stride-1 convolution on "wide" planes, a few images at a time: no column matrix.

Layout: a chunk of images is packed into one row per channel, image k's zero-padded plane
(``hp`` rows ``wp`` apart, flattened) starting at ``k*step``. With stride 1, tap (i, j) reads
that row at the constant offset ``i*dh*wp + j*dw`` from output position ``q = k*step + y*wp +
x``; letting q run over the whole chunk (entries past ow or oh are garbage, cropped) turns every
tap into one long contiguous multiply-add that LLVM vectorises, and packing several small images
per chunk keeps the loops long (the 7x7 planes of the residual LeNet hold 49 outputs). Zeros
are shared where that changes no valid output: one row's right padding is the next row's left
padding (``wp`` = the width plus the larger of the two), and one image's bottom padding rows
are the next one's top rows (``step = (hp - min(top, bottom))*wp``); then each image's valid
outputs, and its gradients in both directions, read only its own pixels and zeros.

Why direct and not im2col + GEMM: LeNet's convolutions have 1-16 channels, so the column matrix
is 9-25x the image and writing it cost as much as the GEMM (conv1 at batch 64: im2col 0.74 ms,
its GEMM 0.62 ms; the direct forward ~0.3 ms).

- ``conv_forward``: per chunk, the packed planes through ``_rows`` into wide output rows, cropped
  into the output with the bias.
- ``conv_input_grad``: the same loop in transpose mode on the packed output gradient (kernel row
  i adds the gradient rows i*dh padded rows further down, each kernel row flipped).
- ``conv_weight_grad``: dot products of the packed gradient rows with the shifted planes, four
  output channels by four taps held in registers.

``_rows`` takes output channels four at a time (two for 5-wide rows), so each input read feeds
four sums: a 3x3 convolution at 14x14 went from 34 to 80 GFLOP/s on one core (AVX-512). The
weights arrive with their output channels padded to that block with zero filters (the op layer
drops the extra rows). Kernels are serial; the op layer runs them on slices of the batch in
parallel threads. Numba vectorises only loops of a certain shape: index from 0 into sliced
views (an offset index might be negative as far as LLVM knows, and the wraparound check stops
vectorisation), float32 zero accumulators (an int-times-float initialiser made them float64),
and the channel loops written out in place (as inlined helpers they ran as slowly as one
channel at a time).
"""

import numpy as np

from .config import JIT, njit
from .spin import announce

# output channels per pass of ``_rows``: four for rows of 3 or 1 taps (4 x 3 weights, 4 sums
# and 3 inputs fit the registers), two for 5-wide rows (measured as fast as four and padding
# LeNet's 6 channels to 8 would waste a quarter)
BLOCK = 4


def block_of(kw: int, dw: int) -> int:
    """The output-channel block of ``_rows`` for kernel rows ``kw`` wide (dilation ``dw``)."""
    return 2 if kw == 5 and dw == 1 else BLOCK


@njit(**JIT)
def _rows5(src, w, in_step, out_step, length, dst):
    """``_rows`` for undilated 5-wide kernels: output channels in pairs."""
    c_ = src.shape[0]
    o_, _, kh, _ = w.shape
    for o in range(0, o_, 2):
        plane_a, plane_b = dst[o], dst[o + 1]
        plane_a[:] = 0
        plane_b[:] = 0
        for c in range(c_):
            for i in range(kh):
                s = src[c, i * in_step : i * in_step + length + 4]
                a = plane_a[i * out_step : i * out_step + length]
                b = plane_b[i * out_step : i * out_step + length]
                ka, kb = w[o, c, i], w[o + 1, c, i]
                w0, w1, w2, w3, w4 = ka[0], ka[1], ka[2], ka[3], ka[4]
                v0, v1, v2, v3, v4 = kb[0], kb[1], kb[2], kb[3], kb[4]
                for q in range(length):
                    x0, x1, x2, x3, x4 = s[q], s[q + 1], s[q + 2], s[q + 3], s[q + 4]
                    a[q] += w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3 + w4 * x4
                    b[q] += v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3 + v4 * x4


@njit(inline="always", **JIT)
def _taps3x4(s, k0, k1, k2, k3, j, d, d0, d1, d2, d3):
    """``d_r[q] += sum_t k_r[j + t] * s[q + t*d]`` for three taps and four output rows."""
    a0, a1, a2 = k0[j], k0[j + 1], k0[j + 2]
    b0, b1, b2 = k1[j], k1[j + 1], k1[j + 2]
    e0, e1, e2 = k2[j], k2[j + 1], k2[j + 2]
    f0, f1, f2 = k3[j], k3[j + 1], k3[j + 2]
    if d == 1:  # constant offsets: the common case, measurably faster
        for q in range(d0.shape[0]):
            x0, x1, x2 = s[q], s[q + 1], s[q + 2]
            d0[q] += a0 * x0 + a1 * x1 + a2 * x2
            d1[q] += b0 * x0 + b1 * x1 + b2 * x2
            d2[q] += e0 * x0 + e1 * x1 + e2 * x2
            d3[q] += f0 * x0 + f1 * x1 + f2 * x2
    else:
        for q in range(d0.shape[0]):
            x0, x1, x2 = s[q], s[q + d], s[q + 2 * d]
            d0[q] += a0 * x0 + a1 * x1 + a2 * x2
            d1[q] += b0 * x0 + b1 * x1 + b2 * x2
            d2[q] += e0 * x0 + e1 * x1 + e2 * x2
            d3[q] += f0 * x0 + f1 * x1 + f2 * x2


@njit(inline="always", **JIT)
def _taps1x4(s, w0, w1, w2, w3, d0, d1, d2, d3):
    for q in range(d0.shape[0]):
        x = s[q]
        d0[q] += w0 * x
        d1[q] += w1 * x
        d2[q] += w2 * x
        d3[q] += w3 * x


@njit(**JIT)
def _rows4(src, w, in_step, out_step, dw, length, dst):
    """``_rows`` for any kernel: four output channels per pass, each kernel row in runs of
    three taps, then single taps."""
    c_ = src.shape[0]
    o_, _, kh, kw = w.shape
    for o in range(0, o_, 4):
        for r in range(4):
            dst[o + r] = 0
        for c in range(c_):
            for i in range(kh):
                k0, k1, k2, k3 = w[o, c, i], w[o + 1, c, i], w[o + 2, c, i], w[o + 3, c, i]
                top = i * out_step
                d0 = dst[o, top : top + length]
                d1 = dst[o + 1, top : top + length]
                d2 = dst[o + 2, top : top + length]
                d3 = dst[o + 3, top : top + length]
                j = 0
                while j + 3 <= kw:
                    b = i * in_step + j * dw
                    _taps3x4(src[c, b : b + length + 2 * dw], k0, k1, k2, k3, j, dw, d0, d1, d2, d3)
                    j += 3
                while j < kw:
                    b = i * in_step + j * dw
                    _taps1x4(src[c, b : b + length], k0[j], k1[j], k2[j], k3[j], d0, d1, d2, d3)
                    j += 1


@njit(**JIT)
def _rows(src, w, in_step, out_step, dw, length, dst):
    """``dst[o, i*out_step + q] = sum over (c, i, j) of w[o, c, i, j] * src[c, i*in_step + q +
    j*dw]`` for q < length, ``dst`` (O, size) zeroed first; O (``w.shape[0]``) is a multiple of
    ``block_of(kw, dw)``.

    A convolution reads kernel row i one padded row further down (``in_step = dh*wp``,
    ``out_step = 0``); its transpose writes it one row further down (``in_step = 0``,
    ``out_step = dh*wp``, each kernel row flipped left to right)."""
    if w.shape[3] == 5 and dw == 1:
        _rows5(src, w, in_step, out_step, length, dst)
    else:
        _rows4(src, w, in_step, out_step, dw, length, dst)


@njit(**JIT)
def _pack_planes(x, n0, n1, top, left, wp, step, buf):
    """``buf[c, k*step + (y + top)*wp + left + x] = x[n0 + k, c, y, x]``: the interiors of the
    padded planes of images n0..n1-1. Everything else in ``buf`` is left as it is (zeros from
    its allocation: the padding and the gaps never get written)."""
    c_, h_, w_ = x.shape[1], x.shape[2], x.shape[3]
    for k in range(n1 - n0):
        for c in range(c_):
            for y in range(h_):
                start = k * step + (y + top) * wp + left
                dst, src = buf[c, start : start + w_], x[n0 + k, c, y]
                for i in range(w_):
                    dst[i] = src[i]


@njit(**JIT)
def _pack_rows(g, n0, n1, wp, lead, step, rows):
    """``rows[o, lead + k*step + y*wp + x] = g[n0 + k, o, y, x]``: the output gradient of images
    n0..n1-1 as wide rows of ``wp``; the other entries (past ow, the gaps, rows >= O) are left
    as they are (zeros from the allocation)."""
    o_, oh, ow = g.shape[1], g.shape[2], g.shape[3]
    for k in range(n1 - n0):
        for o in range(o_):
            for y in range(oh):
                start = lead + k * step + y * wp
                dst, src = rows[o, start : start + ow], g[n0 + k, o, y]
                for i in range(ow):
                    dst[i] = src[i]


@njit(**JIT)
def _unpack(wide, n0, n1, step, wp, top, left, bias, out):
    """``out[n0 + k, c, y, x] = wide[c, k*step + (y + top)*wp + left + x] + bias[c]``."""
    c_, h_, w_ = out.shape[1], out.shape[2], out.shape[3]
    for k in range(n1 - n0):
        for c in range(c_):
            b = bias[c]
            for y in range(h_):
                start = k * step + (y + top) * wp + left
                src, dst = wide[c, start : start + w_], out[n0 + k, c, y]
                for i in range(w_):
                    dst[i] = src[i] + b


@njit(inline="always", **JIT)
def _rows_of(count, size, like):
    """A zeroed buffer of ``count`` rows of ``like``'s dtype, with a row stride that keeps
    1-3 rows from 4 KiB multiples: the kernels walk four rows at once, and rows a multiple of
    4 KiB apart alias in the load-store unit (measured: the residual LeNet's 7x7 input gradient
    ran 2.2x slower with rows 4,104 bytes apart). Rows are ``size`` or a little longer
    (contiguous: the kernels use the first ``size`` elements)."""
    itemsize = like.itemsize
    stride = -(-size // 16) * 16
    while True:
        clear = True
        for m in range(1, 4):
            d = (m * stride * itemsize) % 4096
            if min(d, 4096 - d) < 256:
                clear = False
        if clear:
            break
        stride += 16
    return np.zeros((count, stride), dtype=like.dtype)


@njit(inline="always", **JIT)
def _length(images, step, tail):
    """The pass over a chunk of ``images``: up to the last one's ``tail`` valid outputs,
    rounded up to 16 elements (no scalar loop remainder: measured -10% for LeNet's conv2)."""
    return -(-((images - 1) * step + tail) // 16) * 16


@njit(**JIT)
def conv_forward(x, w, top, left, wp, step, tail, chunk, dh, dw, bias, out, entered=None):
    """``out`` (N, O, oh, ow) = the convolution of x (N, C, H, W), zero-padded at (top, left)
    into planes ``wp`` wide, with w (O', C, kh, kw) (O' >= O, a multiple of the block), plus
    ``bias`` (O,); ``chunk`` images packed at a time, ``step`` apart, the last one's valid
    outputs ``tail`` = oh*wp long."""
    announce(entered)
    c_, kh, kw = x.shape[1], w.shape[2], w.shape[3]
    size = _length(chunk, step, tail)
    buf = _rows_of(c_, size + (kh - 1) * dh * wp + (kw - 1) * dw, out)
    wide = _rows_of(w.shape[0], size, out)
    for n0 in range(0, x.shape[0], chunk):
        n1 = min(n0 + chunk, x.shape[0])
        if n1 - n0 < chunk and n0 > 0:  # a last, shorter chunk: no earlier images behind it
            buf[:] = 0
        _pack_planes(x, n0, n1, top, left, wp, step, buf)
        _rows(buf, w, dh * wp, 0, dw, _length(n1 - n0, step, tail), wide)
        _unpack(wide, n0, n1, step, wp, 0, 0, bias, out)
    return out


@njit(**JIT)
def conv_input_grad(g, flipped, wp, step, tail, chunk, dh, dw, top, left, out, entered=None):
    """The input gradient ``out`` (N, C, H, W) of a stride-1 convolution from its output
    gradient g (N, O, oh, ow): per chunk, g packed as wide rows after ``lead = (kw-1)*dw``
    zeros, then ``_rows`` in transpose mode with ``flipped`` (C', O, kh, kw) (C' >= C, a
    multiple of the block; kernel rows reversed) over the last image's ``tail`` = lead + oh*wp
    nonzero rows; the padded gradient's inside, at (top, left), is the result."""
    announce(entered)
    o_, kh, kw = flipped.shape[1], flipped.shape[2], flipped.shape[3]
    lead = (kw - 1) * dw
    size = max(_length(chunk, step, tail), (chunk - 1) * step + (out.shape[2] + top) * wp)
    rows = _rows_of(o_, size + lead, out)
    wide = _rows_of(flipped.shape[0], size + (kh - 1) * dh * wp, out)
    no_bias = np.zeros(out.shape[1], dtype=out.dtype)
    for n0 in range(0, g.shape[0], chunk):
        n1 = min(n0 + chunk, g.shape[0])
        if n1 - n0 < chunk and n0 > 0:  # a last, shorter chunk: no earlier images behind it
            rows[:] = 0
        _pack_rows(g, n0, n1, wp, lead, step, rows)
        _rows(rows, flipped, 0, dh * wp, dw, _length(n1 - n0, step, tail), wide)
        _unpack(wide, n0, n1, step, wp, top, left, no_bias, out)
    return out


@njit(**JIT)
def _dots4(rows, buf, length, tap_channel, tap_offset, o, dwt):
    """``_dots`` for output channels o..o+3: sixteen running sums per load of four gradient
    rows and four shifted planes."""
    g0, g1 = rows[o, :length], rows[o + 1, :length]
    g2, g3 = rows[o + 2, :length], rows[o + 3, :length]
    for t in range(0, dwt.shape[1], 4):
        s0 = buf[tap_channel[t], tap_offset[t] : tap_offset[t] + length]
        s1 = buf[tap_channel[t + 1], tap_offset[t + 1] : tap_offset[t + 1] + length]
        s2 = buf[tap_channel[t + 2], tap_offset[t + 2] : tap_offset[t + 2] + length]
        s3 = buf[tap_channel[t + 3], tap_offset[t + 3] : tap_offset[t + 3] + length]
        # float32 zeros: the sums take the data's dtype (float64 data widens them)
        a0 = a1 = a2 = a3 = b0 = b1 = b2 = b3 = np.float32(0)
        c0 = c1 = c2 = c3 = e0 = e1 = e2 = e3 = np.float32(0)
        for q in range(length):
            x0, x1, x2, x3 = s0[q], s1[q], s2[q], s3[q]
            u0, u1, u2, u3 = g0[q], g1[q], g2[q], g3[q]
            a0 += u0 * x0
            a1 += u0 * x1
            a2 += u0 * x2
            a3 += u0 * x3
            b0 += u1 * x0
            b1 += u1 * x1
            b2 += u1 * x2
            b3 += u1 * x3
            c0 += u2 * x0
            c1 += u2 * x1
            c2 += u2 * x2
            c3 += u2 * x3
            e0 += u3 * x0
            e1 += u3 * x1
            e2 += u3 * x2
            e3 += u3 * x3
        dwt[o, t] += a0
        dwt[o, t + 1] += a1
        dwt[o, t + 2] += a2
        dwt[o, t + 3] += a3
        dwt[o + 1, t] += b0
        dwt[o + 1, t + 1] += b1
        dwt[o + 1, t + 2] += b2
        dwt[o + 1, t + 3] += b3
        dwt[o + 2, t] += c0
        dwt[o + 2, t + 1] += c1
        dwt[o + 2, t + 2] += c2
        dwt[o + 2, t + 3] += c3
        dwt[o + 3, t] += e0
        dwt[o + 3, t + 1] += e1
        dwt[o + 3, t + 2] += e2
        dwt[o + 3, t + 3] += e3


@njit(**JIT)
def _dots2(rows, buf, length, tap_channel, tap_offset, o, dwt):
    """``_dots`` for output channels o and o+1: eight running sums per load of two gradient
    rows and four shifted planes."""
    g0, g1 = rows[o, :length], rows[o + 1, :length]
    for t in range(0, dwt.shape[1], 4):
        s0 = buf[tap_channel[t], tap_offset[t] : tap_offset[t] + length]
        s1 = buf[tap_channel[t + 1], tap_offset[t + 1] : tap_offset[t + 1] + length]
        s2 = buf[tap_channel[t + 2], tap_offset[t + 2] : tap_offset[t + 2] + length]
        s3 = buf[tap_channel[t + 3], tap_offset[t + 3] : tap_offset[t + 3] + length]
        a0 = a1 = a2 = a3 = b0 = b1 = b2 = b3 = np.float32(0)
        for q in range(length):
            x0, x1, x2, x3 = s0[q], s1[q], s2[q], s3[q]
            u0, u1 = g0[q], g1[q]
            a0 += u0 * x0
            a1 += u0 * x1
            a2 += u0 * x2
            a3 += u0 * x3
            b0 += u1 * x0
            b1 += u1 * x1
            b2 += u1 * x2
            b3 += u1 * x3
        dwt[o, t] += a0
        dwt[o, t + 1] += a1
        dwt[o, t + 2] += a2
        dwt[o, t + 3] += a3
        dwt[o + 1, t] += b0
        dwt[o + 1, t + 1] += b1
        dwt[o + 1, t + 2] += b2
        dwt[o + 1, t + 3] += b3


@njit(**JIT)
def _dots(rows, buf, length, tap_channel, tap_offset, dwt):
    """``dwt[o, t] += sum_{q < length} rows[o, q] * buf[tap_channel[t], tap_offset[t] + q]``
    for dwt (O', T), O' even and T a multiple of 4: output channels four at a time, a last
    pair two at a time."""
    o = 0
    while o + 4 <= dwt.shape[0]:
        _dots4(rows, buf, length, tap_channel, tap_offset, o, dwt)
        o += 4
    if o < dwt.shape[0]:
        _dots2(rows, buf, length, tap_channel, tap_offset, o, dwt)


@njit(**JIT)
def conv_weight_grad(x, g, top, left, wp, step, tail, chunk, reach, tap_channel, tap_offset, dwt,
                     entered=None):  # fmt: skip
    """``dwt[o, t]`` = the sum over the batch of the output gradient g (N, O, oh, ow) times x
    (N, C, H, W) shifted by tap t (channel ``tap_channel[t]``, offset ``tap_offset[t]`` in the
    padded plane, at most ``reach``), packed ``chunk`` images at a time, the last one's ``tail``
    = oh*wp long; dwt (O', T) with O' = O rounded up to even and T to a multiple of 4 (the op
    layer pads the taps with extra ones and drops their sums)."""
    announce(entered)
    size = _length(chunk, step, tail)
    buf = _rows_of(x.shape[1], size + reach, dwt)
    rows = _rows_of(dwt.shape[0], size, dwt)
    dwt[:] = 0
    for n0 in range(0, x.shape[0], chunk):
        n1 = min(n0 + chunk, x.shape[0])
        if n1 - n0 < chunk and n0 > 0:  # a last, shorter chunk: no earlier images behind it
            buf[:] = 0
            rows[:] = 0
        _pack_planes(x, n0, n1, top, left, wp, step, buf)
        _pack_rows(g, n0, n1, wp, 0, step, rows)
        _dots(rows, buf, _length(n1 - n0, step, tail), tap_channel, tap_offset, dwt)
    return dwt
