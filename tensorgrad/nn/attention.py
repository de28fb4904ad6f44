"""``scaled_dot_product_attention``, PyTorch's signature and math, and the mask handling it
shares with ``MultiheadAttention`` (``nn/multihead_attention.py``).

A composition of matmul, softmax, where and dropout, so its gradients (and the gradients of
those, for ``create_graph=True``) come from the primitives' VJPs. Masks follow PyTorch's two
conventions: in ``scaled_dot_product_attention`` a bool ``attn_mask`` is True where a query may
attend; in ``MultiheadAttention`` a bool ``attn_mask`` or ``key_padding_mask`` is True where it
may NOT. A float mask is added to the scores in both.
"""

import math

import numpy as np

from .. import functions as fn
from ..backends import array_module, array_on
from ..errors import OpError
from ..tensor import Tensor
from . import functional as F


def _mask_array(mask, like: Tensor, op: str):
    """``mask`` (a Tensor or array, bool or floating) as an array on ``like``'s device;
    a floating mask takes ``like``'s dtype."""
    data = array_on(mask.data if isinstance(mask, Tensor) else mask, like.device)
    if data.dtype == np.bool_:
        return data
    if data.dtype.kind != "f":
        raise TypeError(f"{op}: a mask must be bool or floating, got {data.dtype}")
    return data.astype(like.dtype, copy=False)


def _check_broadcast(mask_shape: tuple, scores_shape: tuple, op: str, what: str) -> None:
    try:
        fits = np.broadcast_shapes(mask_shape, scores_shape) == scores_shape
    except ValueError:
        fits = False
    if not fits:
        raise OpError(
            f"{op}: {what} of shape {mask_shape} does not broadcast to the attention scores' "
            f"shape {scores_shape} (..., L, S)"
        )


def _causal(rows: int, cols: int, like: Tensor):
    """The bool lower-triangular (rows, cols) mask: query i attends to keys 0..i."""
    xp = array_module(like.data)
    return xp.arange(rows).reshape(-1, 1) >= xp.arange(cols).reshape(1, -1)


def _masked_scores(scores: Tensor, mask) -> Tensor:
    """The scores plus the mask: a float mask as it is, a bool one (True: keep) as 0 and -inf,
    as PyTorch's math (an add's gradient costs no pass over the scores, a where's does)."""
    if mask is None:
        return scores
    if mask.dtype == np.bool_:
        xp = array_module(mask)
        mask = xp.where(mask, scores.dtype.type(0.0), scores.dtype.type(-math.inf))
    return scores + Tensor._make(mask)


def _safe_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dim whose rows that are masked out entirely give zeros (PyTorch's
    SDPA does the same since 2.5) instead of NaN; their gradient is zero too."""
    dead = (scores.data == -math.inf).all(axis=-1, keepdims=True)
    if not bool(dead.any()):
        return fn.softmax(scores, -1)
    dead = Tensor._make(dead)
    return fn.where(dead, 0.0, fn.softmax(fn.where(dead, 0.0, scores), -1))


def _check_qkv(query: Tensor, key: Tensor, value: Tensor, op: str) -> None:
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise OpError(
            f"{op}: query, key and value need at least 2 dims (..., L, E), got shapes "
            f"{query.shape}, {key.shape} and {value.shape}"
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise OpError(
            f"{op}: query {query.shape}, key {key.shape} and value {value.shape} do not fit "
            "(query and key need one embedding size E, key and value one length S)"
        )


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask=None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value`` over (..., L, E), (..., S, E) and
    (..., S, Ev), PyTorch's math: ``scale`` defaults to 1/sqrt(E); a bool ``attn_mask`` is True
    where a query may attend, a float one is added to the scores; ``is_causal`` masks keys after
    the query (top-left aligned); ``dropout_p`` drops attention weights (always, as PyTorch's
    functional form: pass ``dropout_p=0`` in eval). A query row with every key masked gives
    zeros, as PyTorch's. ``enable_gqa`` (grouped-query heads) is not implemented."""
    op = "scaled_dot_product_attention"
    if enable_gqa:
        raise NotImplementedError(f"{op}: enable_gqa=True is not implemented in tensorgrad")
    if is_causal and attn_mask is not None:
        raise OpError(f"{op}: explicit attn_mask should not be set when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise OpError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    _check_qkv(query, key, value, op)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = fn.matmul(query * scale, fn.transpose(key, -2, -1))  # scaled as (L, E), not (L, S)
    if is_causal:
        mask = _causal(query.shape[-2], key.shape[-2], query)
    elif attn_mask is not None:
        mask = _mask_array(attn_mask, query, op)
        _check_broadcast(mask.shape, scores.shape, op, "attn_mask")
    else:
        mask = None
    # only an explicit mask can mask a row out entirely (a causal row keeps key 0)
    masked = _masked_scores(scores, mask)
    weights = fn.softmax(masked, -1) if attn_mask is None else _safe_softmax(masked)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p)
    return fn.matmul(weights, value)


__all__ = ["scaled_dot_product_attention"]
