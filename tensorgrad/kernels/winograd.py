"""Winograd's F(2x2, 3x3): a 3x3 stride-1 convolution in 2.25x fewer multiplications.

Each 2x2 block of outputs (a tile) reads a 4x4 patch d of the padded input. With Lavin and
Gray's matrices, ``Y = A^T [(G g G^T) * (B^T d B)] A``: per tile and channel the patch's 16
transformed values multiply the 16 transformed weights elementwise, so the sum over input
channels is, for each of the 16 entries k, one GEMM ``M[k] (O, T) = U[k] (O, C) @ V[k] (C, T)``
over the image's T tiles. The kernels here are the transforms of one image, and ``images``,
which runs a slice of the batch (transforms and GEMMs) in one call:

- ``input_tiles``: V. The padded plane is split into its four parity planes (even/odd rows x
  even/odd columns); then entry (r, s) of tile (ty, tx)'s patch is parity plane (r%2, s%2) at
  (ty + r//2, tx + s//2), so each of V's 16 entries is a sum of four shifted parity planes,
  ``B^T[a, r] B^T[b, s] d[r][s]``, computed for every tile of every channel in one loop.
- ``output_tiles``: the output image from M, plus the bias: ``A^T M A`` as two such passes
  (rows, then columns) into the four parity planes of the output, then interleaved into rows.

Tile rows are ``tw + 1`` tiles long and each channel has ``th + 1`` of them (the parity planes'
shape): the extra tiles are garbage, which lets every pass run over whole channels at once (the
GEMMs skip the extra row, the output skips the extra column). Each pass reads at most four
arrays and writes one: LLVM vectorises a loop only when it can check every pair of arrays for
overlap cheaply (measured: one loop writing all sixteen entries stayed scalar, 1.4 ms per batch
of 64 where the sixteen passes take a fifth of that). The transforms' coefficients are 0, +-1
and +-1/2, so the result matches a direct convolution to float32 rounding.
"""

import numpy as np

from .cblas import GEMM_ARGS, matmul_into
from .config import JIT, njit
from .spin import announce

_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])


def weight_tiles(w: np.ndarray) -> np.ndarray:
    """U (16, O, C): ``G w[o, c] G^T`` for weights w (O, C, 3, 3), entry (a, b) at 4a + b."""
    g = _G.astype(w.dtype)
    u = np.einsum("ai,ocij,bj->aboc", g, w, g)
    return np.ascontiguousarray(u.reshape(16, *w.shape[:2]))


def tiles_of(oh: int, ow: int) -> tuple[int, int]:
    """(th, row): ceil(oh/2) rows of tiles, each ``row`` = ceil(ow/2) + 1 tiles long."""
    return -(-oh // 2), -(-ow // 2) + 1


@njit(**JIT)
def _split_rows(x, n, top, left, th, row, parity):
    """``_split_parity`` row by row (any width)."""
    c_, h_, w_ = x.shape[1], x.shape[2], x.shape[3]
    first = left % 2  # columns before the first (even, odd) pair: 1 when ``left`` is odd
    pairs = (w_ - first) // 2
    base = (left + first) // 2  # the first pair's m
    plane = (th + 1) * row
    for c in range(c_):
        for y in range(h_):
            u, i = (y + top) // 2, (y + top) % 2
            start = c * plane + u * row + base
            src = x[n, c, y]
            if first:
                parity[2 * i + 1, start - 1] = src[0]
            run = src[first:]
            even = parity[2 * i, start : start + pairs + 1]
            odd = parity[2 * i + 1, start : start + pairs + 1]
            for k in range(pairs):
                even[k] = run[2 * k]
                odd[k] = run[2 * k + 1]
            if (w_ - first) % 2:
                even[pairs] = run[2 * pairs]


@njit(**JIT)
def _split_parity(x, n, top, left, th, row, parity, pairs):
    """``parity[2*i + j, c*(th + 1)*row + u*row + m]`` = the padded plane of image n at (2u + i,
    2m + j): x[n, c, 2u + i - top, 2m + j - left], left as it is (zero) where that lies
    outside x (``tiles_of`` makes the planes large enough for every pixel). For an even width
    the image's columns are first split in one long loop over all its (even, odd) pairs into
    ``pairs`` (2, C*H*W/2), then copied row by row (a row-by-row split ran 6x slower than
    copying rows: its loops are too short to vectorise)."""
    c_, h_, w_ = x.shape[1], x.shape[2], x.shape[3]
    if w_ % 2:
        _split_rows(x, n, top, left, th, row, parity)
        return
    flat = x[n].reshape(c_ * h_ * w_)
    evens, odds = pairs[0], pairs[1]
    for p in range(evens.shape[0]):
        evens[p] = flat[2 * p]
        odds[p] = flat[2 * p + 1]
    half, plane = w_ // 2, (th + 1) * row
    # column 2k lands in parity column j = left % 2 at m = k + left//2; column 2k + 1 in the
    # other at k + (left + 1)//2
    j_even, m_even, m_odd = left % 2, left // 2, (left + 1) // 2
    for c in range(c_):
        for y in range(h_):
            u, i = (y + top) // 2, (y + top) % 2
            at = c * plane + u * row
            src_even = evens[(c * h_ + y) * half : (c * h_ + y + 1) * half]
            src_odd = odds[(c * h_ + y) * half : (c * h_ + y + 1) * half]
            dst_even = parity[2 * i + j_even, at + m_even : at + m_even + half]
            dst_odd = parity[2 * i + 1 - j_even, at + m_odd : at + m_odd + half]
            for k in range(half):
                dst_even[k] = src_even[k]
                dst_odd[k] = src_odd[k]


@njit(**JIT)
def input_tiles(x, n, top, left, th, row, parity, pairs, v):
    """V (16, C*(th + 1)*row) of image n of x (N, C, H, W), zero-padded at (top, left): tile
    (ty, tx) of channel c at ``c*(th + 1)*row + ty*row + tx``. ``parity`` (4, C*(th + 1)*row
    + row + 2) is scratch whose entries outside the image must be zero (they are never
    written: allocate it zeroed once per batch); ``pairs`` (2, C*H*W//2) is scratch."""
    _split_parity(x, n, top, left, th, row, parity, pairs)
    # entry (r, s) of every patch: parity plane (r%2, s%2) shifted by (r//2, s//2) tiles
    p0, p1, p2, p3 = parity[0], parity[1], parity[2], parity[3]
    q0, q1, q2, q3 = parity[0, row:], parity[1, row:], parity[2, row:], parity[3, row:]
    v0, v1, v2, v3, v4, v5, v6, v7 = v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
    v8, v9, v10, v11, v12, v13, v14, v15 = v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]
    for t in range(v.shape[1]):
        d00, d01, d02, d03 = p0[t], p1[t], p0[t + 1], p1[t + 1]
        d10, d11, d12, d13 = p2[t], p3[t], p2[t + 1], p3[t + 1]
        d20, d21, d22, d23 = q0[t], q1[t], q0[t + 1], q1[t + 1]
        d30, d31, d32, d33 = q2[t], q3[t], q2[t + 1], q3[t + 1]
        # B^T d, then (B^T d) B; B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
        a0, a1, a2, a3 = d00 - d20, d01 - d21, d02 - d22, d03 - d23
        b0, b1, b2, b3 = d10 + d20, d11 + d21, d12 + d22, d13 + d23
        c0, c1, c2, c3 = d20 - d10, d21 - d11, d22 - d12, d23 - d13
        e0, e1, e2, e3 = d10 - d30, d11 - d31, d12 - d32, d13 - d33
        v0[t], v1[t], v2[t], v3[t] = a0 - a2, a1 + a2, a2 - a1, a1 - a3
        v4[t], v5[t], v6[t], v7[t] = b0 - b2, b1 + b2, b2 - b1, b1 - b3
        v8[t], v9[t], v10[t], v11[t] = c0 - c2, c1 + c2, c2 - c1, c1 - c3
        v12[t], v13[t], v14[t], v15[t] = e0 - e2, e1 + e2, e2 - e1, e1 - e3


@njit(**JIT)
def output_tiles(m, n, th, row, bias, wide, out):
    """``out[n]`` (O, oh, ow) from M (16, O*th*row) plus ``bias`` (O,): ``A^T M A`` per tile
    into ``wide`` (2, 2*O*th*row), the output's even and odd rows as wide rows (2*row long,
    tile t's two columns at 2t and 2t + 1), then cropped into the output's rows."""
    m0, m1, m2, m3, m4, m5, m6, m7 = m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]
    m8, m9, m10, m11, m12, m13, m14, m15 = m[8], m[9], m[10], m[11], m[12], m[13], m[14], m[15]
    even, odd = wide[0], wide[1]
    for t in range(m.shape[1]):
        # A^T M, then (A^T M) A; A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]
        s0, s1 = m0[t] + m4[t] + m8[t], m1[t] + m5[t] + m9[t]
        s2, s3 = m2[t] + m6[t] + m10[t], m3[t] + m7[t] + m11[t]
        e0, e1 = m4[t] - m8[t] - m12[t], m5[t] - m9[t] - m13[t]
        e2, e3 = m6[t] - m10[t] - m14[t], m7[t] - m11[t] - m15[t]
        even[2 * t], even[2 * t + 1] = s0 + s1 + s2, s1 - s2 - s3
        odd[2 * t], odd[2 * t + 1] = e0 + e1 + e2, e1 - e2 - e3
    oh, ow = out.shape[2], out.shape[3]
    for o in range(out.shape[1]):
        b = bias[o]
        for r in range(oh):
            start = 2 * ((o * th + r // 2) * row)
            src, dst = wide[r % 2, start : start + ow], out[n, o, r]
            for x in range(ow):
                dst[x] = src[x] + b


@njit(**JIT)
def scratch(x, o, th, row):
    """(parity, pairs, V, M, wide): the buffers ``input_tiles`` and ``output_tiles`` take for
    the images of x (N, C, H, W) into ``o`` channels, ``th`` tile rows of ``row`` tiles; one
    set per slice of the batch (parity zeroed)."""
    c, h, width = x.shape[1], x.shape[2], x.shape[3]
    plane, tiles = (th + 1) * row, th * row
    parity = np.zeros((4, c * plane + row + 2), dtype=x.dtype)
    pairs = np.empty((2, c * h * width // 2), dtype=x.dtype)
    v = np.empty((16, c * plane), dtype=x.dtype)
    m = np.empty((16, o * tiles), dtype=x.dtype)
    wide = np.empty((2, 2 * o * tiles), dtype=x.dtype)
    return parity, pairs, v, m, wide


@njit(**JIT)
def images(x, lo, hi, top, left, th, row, u, bias, gemm, double, out, entered=None):
    """Images ``lo:hi`` of the convolution of x (N, C, H, W) with the weight tiles ``u`` (16,
    O, C): per image ``input_tiles``, its 16 GEMMs ``M[k] = U[k] @ V[k]`` by NumPy's BLAS
    (``cblas.matmul_into``: the calls ``np.matmul`` makes for the batched product, so the same
    numbers) and ``output_tiles``, in one call without the GIL."""
    announce(entered)
    c, o, plane, tiles = x.shape[1], u.shape[1], (th + 1) * row, th * row
    parity, pairs, v, m, wide = scratch(x, o, th, row)
    args = np.empty(GEMM_ARGS, np.int64)
    for i in range(lo, hi):
        input_tiles(x, i, top, left, th, row, parity, pairs, v)
        for k in range(16):
            entries = v[k].reshape(c, plane)[:, :tiles]  # the GEMMs skip the extra tile row
            matmul_into(gemm, double, args, u[k], entries, m[k].reshape(o, tiles))
        output_tiles(m, i, th, row, bias, wide, out)
