"""Multi-head self-attention on packed projections for any array module; the CPU runs the same
code with its row softmax passes in Numba (``tensorgrad.kernels.softmax_rows``, which repeats
``softmax_rows`` and ``softmax_rows_backward`` here operation for operation in float32).

``qkv`` (N, L, 3E) holds each token's query, key and value side by side, E = heads * D; the
output (N, L, E) has the heads side by side. ``mask`` (L, L) (or None) is added to the scaled
scores; a row whose keys are all masked gives zero probabilities (PyTorch's SDPA since 2.5).
"""

from . import special


def _tree_sum(xp, a):
    """a's last axis summed by halving (a[..., j] += a[..., j + w - w // 2] until one is left),
    the order the CPU's kernels use; (..., 1)."""
    width = a.shape[-1]
    if width == 0:
        return xp.zeros(a.shape[:-1] + (1,), a.dtype)
    a = a.copy()
    while width > 1:
        half = width // 2
        rest = width - half
        a[..., :half] += a[..., rest:width]
        width = rest
    return a[..., :1]


def _exp(xp, a):
    return special.exp32(xp, a) if a.dtype == xp.float32 else xp.exp(a)


def softmax_rows(xp, scores):
    """softmax over the last axis, in place; a row of -inf only becomes zeros."""
    top = scores.max(axis=-1, keepdims=True)
    top = xp.where(top == -xp.inf, 0.0, top).astype(scores.dtype, copy=False)
    scores -= top
    scores[...] = _exp(xp, scores)
    total = _tree_sum(xp, scores)
    scores /= xp.where(total > 0, total, 1.0).astype(scores.dtype, copy=False)
    return scores


def softmax_rows_backward(xp, probs, dp, scale: float):
    """The scores' gradient p (dp - rowsum(p dp)) scale from the probabilities' dp, into dp."""
    total = _tree_sum(xp, probs * dp)
    dp -= total
    dp *= probs
    dp *= dp.dtype.type(scale)
    return dp


ARRAY_ROWS = (softmax_rows, softmax_rows_backward)


def _heads(xp, a, heads: int):
    """(N, L, 3E) -> q, k, v each (N, H, L, D)."""
    n, length, width = a.shape
    parts = a.reshape(n, length, 3, heads, width // (3 * heads))
    return tuple(parts[:, :, p].transpose(0, 2, 1, 3) for p in range(3))


def _split_heads(a, heads: int):
    """(N, L, H D) -> its (N, H, L, D) view: products written into it land merged."""
    n, length, width = a.shape
    return a.reshape(n, length, heads, width // heads).transpose(0, 2, 1, 3)


def packed_attention(xp, qkv, mask, heads: int, scale: float, rows=ARRAY_ROWS, out=None):
    """(out (N, L, E), probabilities (N, H, L, L)); ``rows``: the row softmax and its VJP;
    ``out``: where to write the output (a new array when None)."""
    q, k, v = _heads(xp, qkv, heads)
    scores = (q * qkv.dtype.type(scale)) @ k.swapaxes(-1, -2)
    if mask is not None:
        scores += mask
    probs = rows[0](xp, scores)
    if out is None:
        n, length, width = qkv.shape
        out = xp.empty((n, length, width // 3), qkv.dtype)
    xp.matmul(probs, v, out=_split_heads(out, heads))
    return out, probs


def packed_attention_backward(xp, grad, qkv, probs, heads: int, scale: float, rows=ARRAY_ROWS,
                              out=None):  # fmt: skip
    """The gradient (N, L, 3E) of the packed projections from the output's (N, L, E), into
    ``out`` when given."""
    q, k, v = _heads(xp, qkv, heads)
    go = _split_heads(grad, heads)
    dqkv = xp.empty(qkv.shape, qkv.dtype) if out is None else out
    dq, dk, dv = _heads(xp, dqkv, heads)
    xp.matmul(probs.swapaxes(-1, -2), go, out=dv)
    ds = rows[1](xp, probs, go @ v.swapaxes(-1, -2), scale)
    xp.matmul(ds, k, out=dq)
    xp.matmul(ds.swapaxes(-1, -2), q, out=dk)
    return dqkv
