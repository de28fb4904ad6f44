"""Row softmax and its VJP for attention scores (float32, rows ``lo:hi`` of a (rows, L) array),
in place, one pass over each row while it sits in cache.

The order of every float32 operation is that of ``backends/attention_arrays.py``'s array code
(exp as ``vector_math.exp32``, row sums as the same halving tree, no fastmath), so the CPU and
the array-module devices give the same bits: the key projection's bias has a gradient that is
pure rounding noise (softmax ignores a per-row constant), and Adam turns its sign into a step.
"""

import numpy as np

from .config import EXACT_JIT, njit
from .vector_math import exp32


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
def softmax_rows32(s, lo, hi):
    """s[r] = softmax(s[r]); a row whose entries are all -inf becomes zeros."""
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


@njit(**EXACT_JIT)
def softmax_rows_grad32(p, dp, scale, lo, hi):
    """dp[r] = p[r] (dp[r] - sum(p[r] dp[r])) scale: the scores' gradient from the
    probabilities'."""
    width = p.shape[1]
    buf = np.empty(width, np.float32)
    for r in range(lo, hi):
        prow, grow = p[r], dp[r]
        for j in range(width):
            buf[j] = prow[j] * grow[j]
        total = _tree_sum(buf, width) if width > 0 else np.float32(0.0)
        for j in range(width):
            grow[j] = (prow[j] * (grow[j] - total)) * scale
