"""Packed self-attention on the CPU, a block of heads at a time (``backends/cpu_attention.py``
runs the blocks on the kernel threads): each head's products by NumPy's BLAS
(``cblas.matmul_into``), the softmax and its VJP as Numba passes over the block, float32.

The scores are held transposed, keys down, queries across, as ``attention_arrays`` computes
them (``k (q scale)^T``): the softmax runs down columns, so each pass loops along a block's
row, which holds ``per_block`` heads' queries side by side (the heads of an image, then the
next image's). A row of one head's 50 scores is too short for LLVM's vector loop (16 lanes
unrolled 4 times) and ran scalar; transposing blocks of rows for long loops cost nearly half of
the time (a ViT layer's 1.28 million scores: 1.73 ms, 0.75 of it the transposes; held
transposed from the product on: 0.94 ms).

Every float32 operation is the array code's in the same order (exp as ``vector_math.exp32``,
a column's sum as its halving tree, no fastmath) and every product the GEMM ``np.matmul``
makes for it, so the CPU and the array-module devices give the same bits.
"""

import numpy as np

from .cblas import GEMM_ARGS, matmul_into
from .config import EXACT_JIT, njit
from .spin import announce
from .vector_math import exp32


@njit(**EXACT_JIT, inline="always")
def _bigger(v, top):
    return v if v > top else top


@njit(**EXACT_JIT)
def _halve_columns(sums, width, n):
    """sums[:width, :n] summed down its columns by halving (row j += row j + width - width // 2
    until one is left), the order of ``attention_arrays._column_sums``; into sums[0, :n]."""
    while width > 1:
        half = width // 2
        rest = width - half
        for j in range(half):
            row, other = sums[j], sums[j + rest]
            for i in range(n):
                row[i] += other[i]
        width = rest


@njit(**EXACT_JIT)
def _column_sums(a, b, n, sums):
    """The halving sums of a[:, :n]'s columns (of a * b where ``b`` is not None, the products
    rounded first) into sums[0, :n], the first halving read from the arrays (no copy)."""
    width = a.shape[0]
    half = width // 2
    rest = width - half
    for j in range(half):
        row, a0, a1 = sums[j], a[j], a[j + rest]
        if b is None:
            for i in range(n):
                row[i] = a0[i] + a1[i]
        else:
            b0, b1 = b[j], b[j + rest]
            for i in range(n):
                row[i] = a0[i] * b0[i] + a1[i] * b1[i]
    if rest > half:  # the middle row of an odd height waits a round
        row, middle = sums[half], a[half]
        if b is None:
            for i in range(n):
                row[i] = middle[i]
        else:
            b_middle = b[half]
            for i in range(n):
                row[i] = middle[i] * b_middle[i]
    _halve_columns(sums, rest, n)


@njit(**EXACT_JIT)
def softmax_columns32(s, n, top, nan, sums):
    """s[:, :n] = the softmax of each column (height >= 2); a column of -inf only becomes
    zeros, one holding NaN NaNs. ``top``, ``nan`` (n,) and ``sums`` (like ``s``) are scratch."""
    height = s.shape[0]
    for i in range(n):
        top[i] = -np.inf
        nan[i] = False
    for j in range(height):
        row = s[j]
        for i in range(n):
            v = row[i]
            nan[i] |= v != v
            top[i] = _bigger(v, top[i])
    for i in range(n):
        m = np.float32(np.nan) if nan[i] else top[i]
        top[i] = np.float32(0.0) if m == -np.inf else m
    for j in range(height):
        row = s[j]
        for i in range(n):
            row[i] = exp32(row[i] - top[i])
    _column_sums(s, None, n, sums)
    total = sums[0]
    for i in range(n):
        if not total[i] > 0:
            total[i] = np.float32(1.0)
    for j in range(height):
        row = s[j]
        for i in range(n):
            row[i] = row[i] / total[i]


@njit(**EXACT_JIT)
def softmax_columns_grad32(p, g, n, scale, sums):
    """g[:, :n] = (p (g - colsum(p g))) scale: the scores' gradient from the probabilities'
    ``g``, column by column; ``sums`` (like ``p``) is scratch."""
    _column_sums(p, g, n, sums)
    total = sums[0]
    for j in range(p.shape[0]):
        p_row, g_row = p[j], g[j]
        for i in range(n):
            g_row[i] = (p_row[i] * (g_row[i] - total[i])) * scale


@njit(**EXACT_JIT, inline="always")
def _block(probs, b, per_block, pairs):
    """(block ``b`` of ``probs``, its first head, the heads in it)."""
    first = b * per_block
    return probs[b], first, min(per_block, pairs - first)


@njit(**EXACT_JIT, inline="always")
def _head(pair, heads, d):
    """(image, first column of the head's q) of head ``pair`` in all."""
    return pair // heads, pair % heads * d


@njit(**EXACT_JIT, inline="always")
def _sizes(qkv, probs, heads):
    """(L, a block's width, heads per block, heads in all, E, D)."""
    length, width = probs.shape[1], probs.shape[2]
    e = qkv.shape[2] // 3
    return length, width, width // length, qkv.shape[0] * heads, e, e // heads


@njit(**EXACT_JIT)
def attend(gemm, qkv, mask_t, masked, heads, scale, lo, hi, probs, out, entered=None):
    """Blocks ``lo:hi`` of the forward: per head its q, k, v (L, D) in ``qkv`` (N, L, 3E), the
    transposed probabilities ``softmax(k (q scale)^T + mask^T)`` (down columns) into its
    columns of ``probs[b]`` (L, per_block L), then ``P v`` into its columns of ``out`` (N, L,
    E). ``mask_t``: the mask transposed, repeated ``per_block`` times across (read when
    ``masked``)."""
    announce(entered)
    length, width, per_block, pairs, e, d = _sizes(qkv, probs, heads)
    args = np.empty(GEMM_ARGS, np.int64)
    q_scaled = np.empty((length, d), np.float32)
    top, nan = np.empty(width, np.float32), np.empty(width, np.bool_)
    sums = np.empty((length, width), np.float32)
    for b in range(lo, hi):
        block, first, count = _block(probs, b, per_block, pairs)
        for p in range(count):
            img, at = _head(first + p, heads, d)
            q = qkv[img, :, at : at + d]
            for i in range(length):
                q_row, row = q[i], q_scaled[i]
                for c in range(d):
                    row[c] = q_row[c] * scale
            probs_t = block[:, p * length : (p + 1) * length]
            matmul_into(gemm, False, args, qkv[img, :, e + at : e + at + d], q_scaled.T, probs_t)
        n = count * length
        if masked:
            for j in range(length):
                row, m = block[j], mask_t[j]
                for i in range(n):
                    row[i] += m[i]
        softmax_columns32(block, n, top, nan, sums)
        for p in range(count):
            img, at = _head(first + p, heads, d)
            probs_t = block[:, p * length : (p + 1) * length]
            v = qkv[img, :, 2 * e + at : 2 * e + at + d]
            matmul_into(gemm, False, args, probs_t.T, v, out[img, :, at : at + d])


@njit(**EXACT_JIT)
def attend_backward(gemm, grad, qkv, probs, heads, scale, lo, hi, dqkv, entered=None):
    """Blocks ``lo:hi`` of the VJP: from the output's gradient ``grad`` (N, L, E) and the
    forward's ``probs``, per head dv = P^T g, dP^T = v g^T, dS^T by the softmax's VJP, dq =
    dS k, dk = dS^T q, into its columns of ``dqkv`` (N, L, 3E)."""
    announce(entered)
    length, width, per_block, pairs, e, d = _sizes(qkv, probs, heads)
    args = np.empty(GEMM_ARGS, np.int64)
    d_scores = np.empty((length, width), np.float32)
    sums = np.empty((length, width), np.float32)
    for b in range(lo, hi):
        block, first, count = _block(probs, b, per_block, pairs)
        for p in range(count):
            img, at = _head(first + p, heads, d)
            go, v = grad[img, :, at : at + d], qkv[img, :, 2 * e + at : 2 * e + at + d]
            columns = slice(p * length, (p + 1) * length)
            dv = dqkv[img, :, 2 * e + at : 2 * e + at + d]
            matmul_into(gemm, False, args, block[:, columns], go, dv)
            matmul_into(gemm, False, args, v, go.T, d_scores[:, columns])
        softmax_columns_grad32(block, d_scores, count * length, scale, sums)
        for p in range(count):
            img, at = _head(first + p, heads, d)
            ds_t = d_scores[:, p * length : (p + 1) * length]
            q, k = qkv[img, :, at : at + d], qkv[img, :, e + at : e + at + d]
            matmul_into(gemm, False, args, ds_t.T, k, dqkv[img, :, at : at + d])
            matmul_into(gemm, False, args, ds_t, q, dqkv[img, :, e + at : e + at + d])
