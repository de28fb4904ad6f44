"""The packed self-attention primitive: every head of ``MultiheadAttention`` in one op.

``packed_attention(qkv[, mask])``: ``qkv`` (N, L, 3E) is the in-projection's output, each
token's query, key and value side by side (E = heads * D); per head,
``softmax(q k^T * scale + mask) v``, the heads side by side in the output (N, L, E), ready for
the out-projection. ``mask`` (L, L), a float array added to the scores, gets no gradient; a
query row with every key masked (-inf) gives zeros, as PyTorch's SDPA.

Why one op: composed, a layer's attention is a dozen recorded ops and as many passes (head
transposes copied for the matmuls, the scale, the mask, softmax's four passes, their VJPs); the
CPU runs it as each head's BLAS products around a Numba softmax pass, a block of heads at a
time (``tensorgrad.kernels.attention``). The fast VJP reads the saved probabilities (their
layout is the backend's); under ``create_graph=True`` it recomputes them with tensorgrad ops,
so the gradient differentiates again.
"""

import math

from ..backends import backend_of
from .registry import defop, is_grad_enabled
from .shape import CAT


def _packed_attention(qkv, *mask, heads, scale):
    return backend_of(qkv).packed_attention(qkv, mask[0] if mask else None, heads, scale)


def _heads(t, heads: int) -> tuple:
    """(N, L, 3E) Tensor -> q, k, v each (N, H, L, D)."""
    n, length, width = t.shape
    parts = t.reshape(n, length, 3, heads, width // (3 * heads))
    return tuple(parts[:, :, p].permute(0, 2, 1, 3) for p in range(3))


def _merged(t):
    n, heads, length, size = t.shape
    return t.permute(0, 2, 1, 3).reshape(n, length, heads * size)


def _probabilities(q, k, mask, scale: float):
    """softmax(q k^T scale + mask) as Tensors, rows masked entirely giving zeros."""
    scores = (q @ k.mT) * scale
    if mask is not None:
        scores = scores + mask
    alive = ~(scores.data == -math.inf).all(axis=-1, keepdims=True)
    if bool(alive.all()):
        return scores.softmax(-1)
    return scores.where(alive, 0.0).softmax(-1).where(alive, 0.0)


def _packed_attention_qkv(grad, out, qkv, *args, heads, scale):
    """d attn/dqkv . g per head: dv = p^T g, ds = p (g v^T - rowsum(p g v^T)) scale,
    dq = ds k, dk = ds^T q"""
    *mask, saved = args
    if not is_grad_enabled():
        return backend_of(qkv.data).packed_attention_backward(
            grad.data, qkv.data, saved, heads, scale
        )
    q, k, v = _heads(qkv, heads)
    p = _probabilities(q, k, mask[0] if mask else None, scale)
    n, length, embed = grad.shape
    go = grad.reshape(n, length, heads, embed // heads).permute(0, 2, 1, 3)
    dp = go @ v.mT
    ds = p * (dp - (p * dp).sum(-1, keepdim=True)) * scale
    return CAT(_merged(ds @ k), _merged(ds.mT @ q), _merged(p.mT @ go), dim=2)


# packed_attention(qkv[, mask]) -> (N, L, E); residual: the backend's saved probabilities
PACKED_ATTENTION = defop(
    "packed_attention", _packed_attention, (_packed_attention_qkv, None), residual=True
)
