"""Multi-head self-attention on packed projections for any array module (the CPU runs fused
kernels instead: ``tensorgrad.kernels.attention``).

``qkv`` (N, L, 3E) holds each token's query, key and value side by side, E = heads * D; the
output (N, L, E) has the heads side by side. ``mask`` (L, L) (or None) is added to the scaled
scores; a row whose keys are all masked gives zero probabilities (PyTorch's SDPA since 2.5).
"""


def _heads(xp, a, heads: int):
    """(N, L, 3E) -> q, k, v each (N, H, L, D)."""
    n, length, width = a.shape
    parts = a.reshape(n, length, 3, heads, width // (3 * heads))
    return tuple(parts[:, :, p].transpose(0, 2, 1, 3) for p in range(3))


def _merged(xp, a):
    """(N, H, L, D) -> (N, L, H D)."""
    n, heads, length, size = a.shape
    return xp.ascontiguousarray(a.transpose(0, 2, 1, 3)).reshape(n, length, heads * size)


def packed_attention(xp, qkv, mask, heads: int, scale: float):
    """(out (N, L, E), probabilities (N, H, L, L))."""
    q, k, v = _heads(xp, qkv, heads)
    scores = (q * qkv.dtype.type(scale)) @ k.swapaxes(-1, -2)
    if mask is not None:
        scores += mask
    top = scores.max(axis=-1, keepdims=True)
    top = xp.where(top == -xp.inf, 0.0, top).astype(qkv.dtype, copy=False)
    probs = xp.exp(scores - top)
    total = probs.sum(axis=-1, keepdims=True)
    probs /= xp.where(total > 0, total, 1.0).astype(qkv.dtype, copy=False)
    return _merged(xp, probs @ v), probs


def packed_attention_backward(xp, grad, qkv, probs, heads: int, scale: float):
    """The gradient (N, L, 3E) of the packed projections from the output's (N, L, E)."""
    q, k, v = _heads(xp, qkv, heads)
    n, length, embed = grad.shape
    go = grad.reshape(n, length, heads, embed // heads).transpose(0, 2, 1, 3)
    dv = probs.swapaxes(-1, -2) @ go
    dp = go @ v.swapaxes(-1, -2)
    ds = probs * (dp - (probs * dp).sum(axis=-1, keepdims=True))
    ds *= qkv.dtype.type(scale)
    dq, dk = ds @ k, ds.swapaxes(-1, -2) @ q
    return xp.concatenate([_merged(xp, dq), _merged(xp, dk), _merged(xp, dv)], axis=-1)
