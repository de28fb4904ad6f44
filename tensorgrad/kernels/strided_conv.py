"""Direct strided convolution: the padded input split into phases, then constant-offset taps.

With stride (sh, sw), output (y, x) reads padded pixel (y*sh + i*dh, x*sw + j*dw) for tap (i, j).
Split each padded plane into its sh*sw phases, phase (a, b) holding the pixels (r*sh + a,
s*sw + b) as a plane ``wps = ceil(wp / sw)`` wide: tap (i, j) then reads phase
``(i*dh % sh, j*dw % sw)`` at the constant offset ``(i*dh // sh)*wps + j*dw // sw`` from output
position ``q = y*wps + x``, a stride-1 pattern. Each tap is a (phase channel, offset) pair, and
``_tap_rows`` runs them three at a time for four outputs at once, as the stride-1 kernels run a
kernel row (``tensorgrad.kernels.direct_conv``), with the same packing of a few images per pass
``step`` apart and the same wide output rows, cropped. No column matrix: the residual LeNet's
strided convolution took 1.6-1.8 ms per pass at batch 64 as im2col + GEMM.

- ``conv_forward``: the phases through ``_tap_rows`` into wide output rows, cropped with the bias.
- ``conv_input_grad``: per phase, the taps reaching it read the packed output gradient backwards
  (offset ``lead - offset``), four of its channels at once; the phases are put back together.
- ``conv_weight_grad``: the stride-1 dot products (``_dots``) of the gradient rows with the taps.
"""

from .config import JIT, njit
from .direct_conv import _dots, _length, _pack_rows, _rows_of, _unpack
from .spin import announce


@njit(**JIT)
def _pack_phases(x, n0, n1, top, left, sh, sw, wps, step, buf):
    """``buf[(c*sh + a)*sw + b, k*step + r*wps + s]`` = padded pixel (r*sh + a, s*sw + b) of
    channel c of image n0 + k, for the pixels inside x (the padding is left as it is: zeros)."""
    c_, h_, w_ = x.shape[1], x.shape[2], x.shape[3]
    for k in range(n1 - n0):
        for c in range(c_):
            for y in range(h_):
                a, r = (y + top) % sh, (y + top) // sh
                src = x[n0 + k, c, y]
                for b in range(sw):
                    first = (b - left) % sw  # the first input column of phase b
                    s0 = (first + left) // sw
                    row = buf[(c * sh + a) * sw + b, k * step + r * wps + s0 :]
                    for i in range((w_ - first + sw - 1) // sw):
                        row[i] = src[first + i * sw]


@njit(**JIT)
def _unpack_phases(phases, c4, n0, n1, top, left, sh, sw, wps, step, out):
    """``out[n0 + k, c, y, x]`` = padded pixel (y + top, x + left) of channel c, from phase
    planes grouped by phase (phase (a, b) of channel c at row ``(a*sw + b)*c4 + c``)."""
    c_, h_, w_ = out.shape[1], out.shape[2], out.shape[3]
    for k in range(n1 - n0):
        for c in range(c_):
            for y in range(h_):
                a, r = (y + top) % sh, (y + top) // sh
                dst = out[n0 + k, c, y]
                for b in range(sw):
                    first = (b - left) % sw
                    s0 = (first + left) // sw
                    row = phases[(a * sw + b) * c4 + c, k * step + r * wps + s0 :]
                    for i in range((w_ - first + sw - 1) // sw):
                        dst[first + i * sw] = row[i]


@njit(**JIT)
def _tap_rows(src, tap_channel, tap_offset, weights, taps, length, dst):
    """``dst[r, q] = sum_{t < taps} weights[r, t] * src[tap_channel[t], tap_offset[t] + q]``
    for q < length: rows four at a time, taps three at a time (weights (R, T), R a multiple of
    4, taps of 3; padding taps carry zero weights)."""
    for o in range(0, weights.shape[0], 4):
        d0, d1 = dst[o, :length], dst[o + 1, :length]
        d2, d3 = dst[o + 2, :length], dst[o + 3, :length]
        d0[:] = 0
        d1[:] = 0
        d2[:] = 0
        d3[:] = 0
        k0, k1, k2, k3 = weights[o], weights[o + 1], weights[o + 2], weights[o + 3]
        for t in range(0, taps, 3):
            s0 = src[tap_channel[t], tap_offset[t] : tap_offset[t] + length]
            s1 = src[tap_channel[t + 1], tap_offset[t + 1] : tap_offset[t + 1] + length]
            s2 = src[tap_channel[t + 2], tap_offset[t + 2] : tap_offset[t + 2] + length]
            a0, a1, a2 = k0[t], k0[t + 1], k0[t + 2]
            b0, b1, b2 = k1[t], k1[t + 1], k1[t + 2]
            e0, e1, e2 = k2[t], k2[t + 1], k2[t + 2]
            f0, f1, f2 = k3[t], k3[t + 1], k3[t + 2]
            for q in range(length):
                x0, x1, x2 = s0[q], s1[q], s2[q]
                d0[q] += a0 * x0 + a1 * x1 + a2 * x2
                d1[q] += b0 * x0 + b1 * x1 + b2 * x2
                d2[q] += e0 * x0 + e1 * x1 + e2 * x2
                d3[q] += f0 * x0 + f1 * x1 + f2 * x2


@njit(**JIT)
def conv_forward(x, tap_channel, tap_offset, weights, top, left, sh, sw, wps, planes, step, tail,
                 chunk, bias, out, entered=None):  # fmt: skip
    """``out`` (N, O, oh, ow) = the strided convolution of x (N, C, H, W) plus ``bias``: the
    taps' phase channels and offsets, ``weights`` (O', T) (O' >= O a multiple of 4, T of 3);
    ``planes`` = C*sh*sw phase planes per image, ``step`` apart, ``chunk`` images per pass, the
    last one's valid outputs ``tail`` = oh*wps long."""
    announce(entered)
    size = _length(chunk, step, tail)
    buf = _rows_of(planes, size + tap_offset.max(), out)
    wide = _rows_of(weights.shape[0], size, out)
    for n0 in range(0, x.shape[0], chunk):
        n1 = min(n0 + chunk, x.shape[0])
        if n1 - n0 < chunk and n0 > 0:  # a last, shorter chunk: no earlier images behind it
            buf[:] = 0
        _pack_phases(x, n0, n1, top, left, sh, sw, wps, step, buf)
        length = _length(n1 - n0, step, tail)
        _tap_rows(buf, tap_channel, tap_offset, weights, weights.shape[1], length, wide)
        _unpack(wide, n0, n1, step, wps, 0, 0, bias, out)
    return out


@njit(**JIT)
def conv_input_grad(g, tap_channel, tap_offset, weights, taps, lead, top, left, sh, sw, wps,
                    step, chunk, out, entered=None):  # fmt: skip
    """The input gradient ``out`` (N, C, H, W) from the output gradient g (N, O, oh, ow): g
    packed as wide rows after ``lead`` zeros; phase p's planes (C' rows, C' >= C a multiple of
    4) get its ``taps[p]`` taps ``tap_channel[p]`` (an output channel), ``tap_offset[p]`` (lead
    less the tap's offset) with ``weights[p]`` (C', T); then the phases are put together."""
    announce(entered)
    c4 = weights.shape[1]
    size = _length(chunk, step, step)
    rows = _rows_of(g.shape[1], size + lead, out)
    phases = _rows_of(weights.shape[0] * c4, size, out)
    for n0 in range(0, g.shape[0], chunk):
        n1 = min(n0 + chunk, g.shape[0])
        if n1 - n0 < chunk and n0 > 0:  # a last, shorter chunk: no earlier images behind it
            rows[:] = 0
        _pack_rows(g, n0, n1, wps, lead, step, rows)
        length = _length(n1 - n0, step, step)
        for p in range(weights.shape[0]):
            _tap_rows(rows, tap_channel[p], tap_offset[p], weights[p], taps[p], length,
                      phases[p * c4 : (p + 1) * c4])  # fmt: skip
        _unpack_phases(phases, c4, n0, n1, top, left, sh, sw, wps, step, out)
    return out


@njit(**JIT)
def conv_weight_grad(x, g, top, left, sh, sw, wps, planes, step, tail, chunk, tap_channel,
                     tap_offset, dwt, entered=None):  # fmt: skip
    """``dwt[o, t]`` = the sum over the batch of the output gradient g (N, O, oh, ow) times the
    phase planes of x read at tap t; dwt (O', T) with O' = O rounded up to even and T to a
    multiple of 4 (padding taps are dropped by the op layer)."""
    announce(entered)
    size = _length(chunk, step, tail)
    buf = _rows_of(planes, size + tap_offset.max(), dwt)
    rows = _rows_of(dwt.shape[0], size, dwt)
    dwt[:] = 0
    for n0 in range(0, x.shape[0], chunk):
        n1 = min(n0 + chunk, x.shape[0])
        if n1 - n0 < chunk and n0 > 0:  # a last, shorter chunk: no earlier images behind it
            buf[:] = 0
            rows[:] = 0
        _pack_phases(x, n0, n1, top, left, sh, sw, wps, step, buf)
        _pack_rows(g, n0, n1, wps, 0, step, rows)
        _dots(rows, buf, _length(n1 - n0, step, tail), tap_channel, tap_offset, dwt)
    return dwt
