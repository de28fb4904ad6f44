"""Row softmax and its VJP for attention scores (float32, rows ``lo:hi`` of a (rows, L) array),
in place.

Attention rows are short (a ViT's 50 tokens, a name's 14): a loop along one row is too short for
LLVM's vector loop (16 lanes, unrolled 4 times), so it ran scalar. Rows of up to ``BLOCK_WIDTH``
go ``BLOCK`` at a time through a transposed copy, where every loop runs across the block's rows
(forward, rows of 50: 1.85 -> 1.06 ns per score, of 14: 3.3 -> 1.2; the VJP of rows of 14:
1.2 -> 0.87); wider rows go one at a time.

The order of every float32 operation is that of ``backends/attention_arrays.py``'s array code
(exp as ``vector_math.exp32``, row sums as the same halving tree, no fastmath), so the CPU and
the array-module devices give the same bits: the key projection's bias has a gradient that is
pure rounding noise (softmax ignores a per-row constant), and Adam turns its sign into a step.
"""

import numpy as np

from .config import EXACT_JIT, njit
from .vector_math import exp32

BLOCK = 64  # rows per transposed block: its (L, BLOCK) buffers stay in cache
BLOCK_WIDTH = 128  # beyond it the row-by-row loops vectorise and win
GRAD_BLOCK_WIDTH = 24  # the VJP has no exp: row by row is as fast from ~32 on


@njit(**EXACT_JIT)
def _tree_sum(buf, width):
    """buf[:width] summed by halving: buf[j] += buf[j + width - width // 2] until one is left."""
    while width > 1:
        half = width // 2
        rest = width - half
        for j in range(half):
            buf[j] += buf[j + rest]
        width = rest
    return buf[0]


@njit(**EXACT_JIT)
def _tree_sum_columns(a, width, n):
    """a[:width, :n] summed down its columns by halving, the order of ``_tree_sum``; a[0, :n]."""
    while width > 1:
        half = width // 2
        rest = width - half
        for j in range(half):
            for i in range(n):
                a[j, i] += a[j + rest, i]
        width = rest


@njit(**EXACT_JIT, inline="always")
def _bigger(v, top):
    return v if v > top else top


@njit(**EXACT_JIT, inline="always")
def _row_max(row):
    """max(row), NaN when the row holds one (as NumPy's max), -inf when empty; four running
    maxima, so no chain of dependent compares (a max is exact in any order): 1.4x faster on
    rows of 50."""
    width = row.size
    a = b = c = d = np.float32(-np.inf)
    nan = False
    quads = width - width % 4
    for j in range(0, quads, 4):
        v0, v1, v2, v3 = row[j], row[j + 1], row[j + 2], row[j + 3]
        nan |= (v0 != v0) | (v1 != v1) | (v2 != v2) | (v3 != v3)
        a, b, c, d = _bigger(v0, a), _bigger(v1, b), _bigger(v2, c), _bigger(v3, d)
    for j in range(quads, width):
        v = row[j]
        nan |= v != v
        a = _bigger(v, a)
    return np.float32(np.nan) if nan else _bigger(_bigger(a, b), _bigger(c, d))


@njit(**EXACT_JIT)
def _softmax_row_by_row(s, lo, hi):
    width = s.shape[1]
    buf = np.empty(width, np.float32)
    for r in range(lo, hi):
        row = s[r]
        top = _row_max(row)
        if top == -np.inf:
            top = np.float32(0.0)
        for j in range(width):
            row[j] = exp32(row[j] - top)
            buf[j] = row[j]
        total = _tree_sum(buf, width) if width > 0 else np.float32(0.0)
        if not total > 0:
            total = np.float32(1.0)
        for j in range(width):
            row[j] = row[j] / total


@njit(**EXACT_JIT, inline="always")
def _softmax_block(b, exps, sums, top, nan):
    """softmax of each row of ``b`` (n <= BLOCK rows, width >= 1) through (width, BLOCK)
    buffers; the same operations per row as ``_softmax_row_by_row``."""
    n, width = b.shape
    for j in range(width):
        for i in range(n):
            exps[j, i] = b[i, j]
    for i in range(n):
        top[i] = -np.inf
        nan[i] = False
    for j in range(width):
        for i in range(n):
            v = exps[j, i]
            nan[i] |= v != v
            top[i] = _bigger(v, top[i])
    for i in range(n):
        m = np.float32(np.nan) if nan[i] else top[i]
        top[i] = np.float32(0.0) if m == -np.inf else m
    for j in range(width):
        for i in range(n):
            e = exp32(exps[j, i] - top[i])
            exps[j, i] = e
            sums[j, i] = e
    _tree_sum_columns(sums, width, n)
    for i in range(n):
        total = sums[0, i]
        if not total > 0:
            total = np.float32(1.0)
        for j in range(width):
            b[i, j] = exps[j, i] / total


@njit(**EXACT_JIT)
def softmax_rows32(s, lo, hi):
    """s[r] = softmax(s[r]); a row whose entries are all -inf becomes zeros."""
    width = s.shape[1]
    if width > BLOCK_WIDTH or width == 0:
        _softmax_row_by_row(s, lo, hi)
        return
    exps = np.empty((width, BLOCK), np.float32)
    sums = np.empty((width, BLOCK), np.float32)
    top = np.empty(BLOCK, np.float32)
    nan = np.empty(BLOCK, np.bool_)
    for r0 in range(lo, hi, BLOCK):
        _softmax_block(s[r0 : min(r0 + BLOCK, hi)], exps, sums, top, nan)


@njit(**EXACT_JIT)
def _softmax_grad_row_by_row(p, dp, scale, lo, hi):
    width = p.shape[1]
    buf = np.empty(width, np.float32)
    for r in range(lo, hi):
        prow, grow = p[r], dp[r]
        for j in range(width):
            buf[j] = prow[j] * grow[j]
        total = _tree_sum(buf, width) if width > 0 else np.float32(0.0)
        for j in range(width):
            grow[j] = (prow[j] * (grow[j] - total)) * scale


@njit(**EXACT_JIT, inline="always")
def _softmax_grad_block(p, g, scale, sums):
    """``softmax_rows_grad32`` on the rows of ``p`` and ``g`` (n <= BLOCK, width >= 1), the row
    sums through a (width, BLOCK) buffer."""
    n, width = p.shape
    for j in range(width):
        for i in range(n):
            sums[j, i] = p[i, j] * g[i, j]
    _tree_sum_columns(sums, width, n)
    for i in range(n):
        total = sums[0, i]
        for j in range(width):
            g[i, j] = (p[i, j] * (g[i, j] - total)) * scale


@njit(**EXACT_JIT)
def softmax_rows_grad32(p, dp, scale, lo, hi):
    """dp[r] = p[r] (dp[r] - sum(p[r] dp[r])) scale: the scores' gradient from the
    probabilities'."""
    width = p.shape[1]
    if width > GRAD_BLOCK_WIDTH or width == 0:
        _softmax_grad_row_by_row(p, dp, scale, lo, hi)
        return
    sums = np.empty((width, BLOCK), np.float32)
    for r0 in range(lo, hi, BLOCK):
        r1 = min(r0 + BLOCK, hi)
        _softmax_grad_block(p[r0:r1], dp[r0:r1], scale, sums)
