"""Direct stride-1 convolution on "wide" planes: no column matrix at all.

A plane is one (sample, channel) image, zero-padded to width ``wp`` and flattened. With stride
1, tap (i, j) of the kernel reads that plane at the constant offset ``i*dh*wp + j*dw`` from
output position ``q = y*wp + x``; letting q run over whole padded rows (the ``x >= ow`` entries
are garbage, cropped) turns every tap into one long contiguous multiply-add, which LLVM
vectorises. Wide rows are rounded up to 16 elements (no scalar loop remainder); the op layer
pads the planes with enough spare zero rows for every read.

Why direct and not im2col + GEMM: LeNet's convolutions have 1-16 channels, so the column matrix
is 25x the image and writing it cost as much as the GEMM (measured at batch 64: conv1's im2col
0.74 ms, its GEMM 0.62 ms; the direct forward takes ~0.35 ms).

- ``conv_forward``: per image, each output row accumulated in a small buffer, one kernel row
  of taps per pass (5 or 3 taps unrolled; output channels in pairs for 5-wide kernels), then
  cropped into the output with the bias.
- ``conv_input_grad``: the same loop in transpose mode on the widened output gradient.
- ``weight_grad_taps``: the weight gradient as dot products, two output channels by four taps
  at a time held in registers (eight running sums per load of four inputs and two gradients).

Kernels are serial; the op layer runs them on slices of the batch in parallel threads.
"""

import numpy as np

from .config import JIT, njit


@njit(inline="always", **JIT)
def _taps5(acc, src, w, d):
    """``acc[q] += sum_k w[k] * src[q + k*d]`` for five taps."""
    w0, w1, w2, w3, w4 = w[0], w[1], w[2], w[3], w[4]
    if d == 1:  # constant offsets: the common case, measurably faster
        for q in range(acc.shape[0]):
            head = w0 * src[q] + w1 * src[q + 1] + w2 * src[q + 2]
            acc[q] += head + w3 * src[q + 3] + w4 * src[q + 4]
    else:
        d2, d3, d4 = 2 * d, 3 * d, 4 * d
        for q in range(acc.shape[0]):
            head = w0 * src[q] + w1 * src[q + d] + w2 * src[q + d2]
            acc[q] += head + w3 * src[q + d3] + w4 * src[q + d4]


@njit(inline="always", **JIT)
def _taps3(acc, src, w, d):
    """``acc[q] += sum_k w[k] * src[q + k*d]`` for three taps."""
    w0, w1, w2 = w[0], w[1], w[2]
    if d == 1:
        for q in range(acc.shape[0]):
            acc[q] += w0 * src[q] + w1 * src[q + 1] + w2 * src[q + 2]
    else:
        d2 = 2 * d
        for q in range(acc.shape[0]):
            acc[q] += w0 * src[q] + w1 * src[q + d] + w2 * src[q + d2]


@njit(inline="always", **JIT)
def _taps1(acc, src, w0):
    for q in range(acc.shape[0]):
        acc[q] += w0 * src[q]


@njit(inline="always", **JIT)
def _kernel_row(acc, src, w, row, dw, length):
    """One kernel row ``w`` (kw,) of taps into ``acc``: runs of 5 and 3 unrolled, then singles."""
    kw = w.shape[0]
    j = 0
    while j + 5 <= kw:
        b = row + j * dw
        _taps5(acc, src[b : b + length + 4 * dw], w[j : j + 5], dw)
        j += 5
    if j + 3 <= kw:
        b = row + j * dw
        _taps3(acc, src[b : b + length + 2 * dw], w[j : j + 3], dw)
        j += 3
    while j < kw:
        b = row + j * dw
        _taps1(acc, src[b : b + length], w[j])
        j += 1


@njit(**JIT)
def _image_any(src, w, in_step, out_step, dw, length, dst):
    """``_image`` for any kernel, one output channel at a time."""
    c_ = src.shape[0]
    o_, _, kh, _ = w.shape
    for o in range(o_):
        dst[o] = 0
        for c in range(c_):
            for i in range(kh):
                acc = dst[o, i * out_step : i * out_step + length]
                _kernel_row(acc, src[c], w[o, c, i], i * in_step, dw, length)


@njit(**JIT)
def _image_5(src, w, in_step, out_step, length, dst, scratch):
    """``_image`` for undilated 5-wide kernels (LeNet's): output channels in pairs, so that
    each input read feeds two sums (an odd last channel pairs with the scratch row).

    conv1's forward at batch 64: 0.43 -> 0.27 ms. Written out on purpose: the same loop in an
    inlined helper, or bounded by a computed pair count, measured as slow as one channel at a
    time.
    """
    c_ = src.shape[0]
    o_, _, kh, _ = w.shape
    for o in range(0, o_, 2):
        plane_a = dst[o]
        plane_b = dst[o + 1] if o + 1 < o_ else scratch
        plane_a[:] = 0
        plane_b[:] = 0
        p = o + 1 if o + 1 < o_ else o  # the second channel's weights (repeated if none)
        for c in range(c_):
            for i in range(kh):
                s = src[c, i * in_step : i * in_step + length + 4]
                a = plane_a[i * out_step : i * out_step + length]
                b = plane_b[i * out_step : i * out_step + length]
                ka, kb = w[o, c, i], w[p, c, i]
                w0, w1, w2, w3, w4 = ka[0], ka[1], ka[2], ka[3], ka[4]
                v0, v1, v2, v3, v4 = kb[0], kb[1], kb[2], kb[3], kb[4]
                for q in range(length):
                    x0, x1, x2, x3, x4 = s[q], s[q + 1], s[q + 2], s[q + 3], s[q + 4]
                    a[q] += w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3 + w4 * x4
                    b[q] += v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3 + v4 * x4


@njit(**JIT)
def _image(src, w, in_step, out_step, dw, length, dst, scratch):
    """One image: ``dst[o, i*out_step + q] = sum over (c, i, j) of w[o, c, i, j] *
    src[c, i*in_step + q + j*dw]`` for q < length, ``dst`` (O, size) zeroed first.

    A convolution reads kernel row i one padded row further down (``in_step = dh*wp``,
    ``out_step = 0``); its transpose writes it one row further down (``in_step = 0``,
    ``out_step = dh*wp``, each kernel row flipped left to right)."""
    if w.shape[3] == 5 and dw == 1:
        _image_5(src, w, in_step, out_step, length, dst, scratch)
    else:
        _image_any(src, w, in_step, out_step, dw, length, dst)


@njit(inline="always", **JIT)
def _crop_into(wide, wp, top, left, bias, out):
    """``out[c, y, x] = wide[c, (y + top)*wp + left + x] + bias[c]`` for out (C, H, W)."""
    c_, h_, w_ = out.shape
    for c in range(c_):
        b = bias[c]
        for y in range(h_):
            start = (y + top) * wp + left
            src, dst = wide[c, start : start + w_], out[c, y]
            for i in range(w_):
                dst[i] = src[i] + b


@njit(**JIT)
def conv_forward(planes, w, wp, dh, dw, length, bias, out):
    """The convolution of padded planes (N, C, P) of width ``wp`` with w (O, C, kh, kw), plus
    ``bias``, into out (N, O, oh, ow): each image's wide rows (``length`` long, L2-sized) are
    computed in a buffer and cropped from there, so no batch-sized wide array is written."""
    o_ = w.shape[0]
    wide = np.empty((o_, length), dtype=out.dtype)
    scratch = np.empty(length, dtype=out.dtype)
    for n in range(planes.shape[0]):
        _image(planes[n], w, dh * wp, 0, dw, length, wide, scratch)
        _crop_into(wide, wp, 0, 0, bias, out[n])
    return out


@njit(**JIT)
def conv_input_grad(g, flipped, wp, dh, dw, lead, length, top, left, out):
    """The input gradient (N, C, H, W) of a stride-1 convolution from its output gradient g
    (N, O, oh, ow): per image, g as wide rows after ``lead`` = (kw-1)*dw zeros (``widen``),
    then ``_image`` in transpose mode with ``flipped`` (C, O, kh, kw), the kernel rows
    reversed; the padded gradient's inside, at (top, left), is the result."""
    c_, o_, kh, _ = flipped.shape
    rows = np.empty((o_, lead + length), dtype=out.dtype)
    wide = np.empty((c_, (kh - 1) * dh * wp + length), dtype=out.dtype)
    scratch = np.empty(wide.shape[1], dtype=out.dtype)
    no_bias = np.zeros(c_, dtype=out.dtype)
    for n in range(g.shape[0]):
        _widen_into(g[n], wp, lead, rows)
        _image(rows, flipped, 0, dh * wp, dw, length, wide, scratch)
        _crop_into(wide, wp, top, left, no_bias, out[n])
    return out


@njit(**JIT)
def weight_grad_taps(planes, g, wp, length, tap_channel, tap_offset, dwt):
    """``dwt[o, t] = sum_n sum_q rows[n, o, q] * planes[n, tap_channel[t], tap_offset[t] + q]``
    where ``rows`` is the output gradient g (N, O, oh, ow) widened to rows of ``wp`` with zeros
    past ow, ``length`` long.

    planes (N, C, P) as in ``conv_wide``; dwt (O', T) with O' = O rounded up to even and T a
    multiple of 4 (the op layer pads the taps with extra ones and drops their sums). Each
    image's rows are widened into a small buffer that stays in cache (a separate widening pass
    over the batch cost 40% of conv1's weight gradient).
    """
    n_ = planes.shape[0]
    o_, t_ = dwt.shape
    rows = np.empty((o_, length), dtype=dwt.dtype)
    dwt[:] = 0
    for n in range(n_):
        _widen_into(g[n], wp, 0, rows)
        for o in range(0, o_, 2):
            g0, g1 = rows[o], rows[o + 1]
            for t in range(0, t_, 4):
                s0 = planes[n, tap_channel[t], tap_offset[t] : tap_offset[t] + length]
                s1 = planes[n, tap_channel[t + 1], tap_offset[t + 1] : tap_offset[t + 1] + length]
                s2 = planes[n, tap_channel[t + 2], tap_offset[t + 2] : tap_offset[t + 2] + length]
                s3 = planes[n, tap_channel[t + 3], tap_offset[t + 3] : tap_offset[t + 3] + length]
                # float32 zeros: the sums take the data's dtype (float64 data widens them)
                a0 = a1 = a2 = a3 = b0 = b1 = b2 = b3 = np.float32(0)
                for q in range(length):
                    x0, x1, x2, x3 = s0[q], s1[q], s2[q], s3[q]
                    u, v = g0[q], g1[q]
                    a0 += u * x0
                    a1 += u * x1
                    a2 += u * x2
                    a3 += u * x3
                    b0 += v * x0
                    b1 += v * x1
                    b2 += v * x2
                    b3 += v * x3
                dwt[o, t] += a0
                dwt[o, t + 1] += a1
                dwt[o, t + 2] += a2
                dwt[o, t + 3] += a3
                dwt[o + 1, t] += b0
                dwt[o + 1, t + 1] += b1
                dwt[o + 1, t + 2] += b2
                dwt[o + 1, t + 3] += b3
    return dwt


@njit(**JIT)
def pad_into(x, top, left, out):
    """``out`` (N, C, Hp, Wp) = ``x`` (N, C, H, W) placed at (top, left), zeros around it."""
    n_, c_, h_, w_ = x.shape
    for n in range(n_):
        for c in range(c_):
            plane = out[n, c]
            plane[:] = 0
            for y in range(h_):
                dst, src = plane[top + y, left : left + w_], x[n, c, y]
                for i in range(w_):
                    dst[i] = src[i]
    return out


@njit(inline="always", **JIT)
def _widen_into(g, wp, lead, rows):
    """``rows`` (channels, length) = ``g`` (C, oh, ow) as wide rows of ``wp`` (zero past ow)
    starting at offset ``lead``, zeros everywhere else (channels >= C included).

    Loops over views indexed from 0 (an offset index could be negative as far as LLVM knows,
    and the wraparound check stops vectorisation); only the gaps are zeroed."""
    c_, oh, ow = g.shape
    for c in range(rows.shape[0]):
        dst = rows[c]
        if c >= c_:
            dst[:] = 0
            continue
        dst[:lead] = 0
        for y in range(oh):
            row, src = dst[lead + y * wp : lead + (y + 1) * wp], g[c, y]
            for x in range(ow):
                row[x] = src[x]
            for x in range(ow, wp):
                row[x] = 0
        dst[lead + oh * wp :] = 0
