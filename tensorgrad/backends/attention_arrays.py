"""Multi-head self-attention on packed projections for any array module; the CPU's float32
kernels (``tensorgrad.kernels.attention``) repeat it operation for operation.

``qkv`` (N, L, 3E) holds each token's query, key and value side by side, E = heads * D; the
output (N, L, E) has the heads side by side. ``mask`` (L, L) (or None) is added to the scaled
scores; a query whose keys are all masked gets zero probabilities (PyTorch's SDPA since 2.5).
The scores and probabilities are held transposed, (N, H, keys, queries), the softmax running
down their columns: the layout in which the CPU's passes run along long rows.
"""

from . import special


def _column_sums(xp, a):
    """The sums down a's columns by halving (row j += row j + h - h // 2 until one is left,
    h the height), the order the CPU's kernels use; (..., 1, W)."""
    height = a.shape[-2]
    a = a.copy()
    while height > 1:
        half = height // 2
        rest = height - half
        a[..., :half, :] += a[..., rest:height, :]
        height = rest
    return a[..., :1, :]


def _exp(xp, a):
    return special.exp32(xp, a) if a.dtype == xp.float32 else xp.exp(a)


def softmax_columns(xp, scores_t):
    """softmax down the columns (axis -2), in place; a column of -inf only becomes zeros."""
    if scores_t.shape[-2] == 0:  # no keys, no queries
        return scores_t
    top = scores_t.max(axis=-2, keepdims=True)
    top = xp.where(top == -xp.inf, 0.0, top).astype(scores_t.dtype, copy=False)
    scores_t -= top
    scores_t[...] = _exp(xp, scores_t)
    total = _column_sums(xp, scores_t)
    scores_t /= xp.where(total > 0, total, 1.0).astype(scores_t.dtype, copy=False)
    return scores_t


def softmax_columns_backward(xp, probs_t, dp_t, scale: float):
    """The transposed scores' gradient p (dp - colsum(p dp)) scale from the probabilities'
    ``dp_t``, into ``dp_t``."""
    total = _column_sums(xp, probs_t * dp_t)
    dp_t -= total
    dp_t *= probs_t
    dp_t *= dp_t.dtype.type(scale)
    return dp_t


def _heads(xp, a, heads: int):
    """(N, L, 3E) -> q, k, v each (N, H, L, D)."""
    n, length, width = a.shape
    parts = a.reshape(n, length, 3, heads, width // (3 * heads))
    return tuple(parts[:, :, p].transpose(0, 2, 1, 3) for p in range(3))


def _split_heads(a, heads: int):
    """(N, L, H D) -> its (N, H, L, D) view: products written into it land merged."""
    n, length, width = a.shape
    return a.reshape(n, length, heads, width // heads).transpose(0, 2, 1, 3)


def packed_attention(xp, qkv, mask, heads: int, scale: float):
    """(out (N, L, E), the probabilities transposed (N, H, L keys, L queries))."""
    q, k, v = _heads(xp, qkv, heads)
    scores_t = k @ (q * qkv.dtype.type(scale)).swapaxes(-1, -2)
    if mask is not None:
        scores_t += mask.T
    probs_t = softmax_columns(xp, scores_t)
    n, length, width = qkv.shape
    out = xp.empty((n, length, width // 3), qkv.dtype)
    xp.matmul(probs_t.swapaxes(-1, -2), v, out=_split_heads(out, heads))
    return out, probs_t


def packed_attention_backward(xp, grad, qkv, probs_t, heads: int, scale: float):
    """The gradient (N, L, 3E) of the packed projections from the output's (N, L, E)."""
    q, k, v = _heads(xp, qkv, heads)
    go = _split_heads(grad, heads)
    dqkv = xp.empty(qkv.shape, qkv.dtype)
    dq, dk, dv = _heads(xp, dqkv, heads)
    xp.matmul(probs_t, go, out=dv)
    ds_t = softmax_columns_backward(xp, probs_t, v @ go.swapaxes(-1, -2), scale)
    xp.matmul(ds_t.swapaxes(-1, -2), k, out=dq)
    xp.matmul(ds_t, q, out=dk)
    return dqkv
