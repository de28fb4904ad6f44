"""``MultiheadAttention``: PyTorch's arguments, parameters, initialisation and forward.

Self-attention without the weights (what ``TransformerEncoderLayer`` asks for) runs as one
in-projection, the packed attention op (``ops/attention.py``: every head in one primitive) and
the out-projection. Otherwise the heads' attention is ``scaled_dot_product_attention`` (or,
when the weights are asked for, the same math spelled out). Masks are PyTorch's
MultiheadAttention convention (bool: True where a query may NOT attend), merged into one float
mask added to the scores.
"""

import math

import numpy as np

from .. import creation
from .. import functions as fn
from ..backends import array_module
from ..errors import OpError
from ..ops.attention import PACKED_ATTENTION
from ..tensor import Tensor
from . import functional as F
from . import init
from .attention import _mask_array, scaled_dot_product_attention
from .layers import Linear, _empty
from .module import Module


def _as_additive(mask, like: Tensor, op: str):
    """A MultiheadAttention mask (bool: True = not allowed) as a float array to add."""
    data = _mask_array(mask, like, op)
    if data.dtype != np.bool_:
        return data
    xp = array_module(data)
    return xp.where(data, like.dtype.type(-math.inf), like.dtype.type(0.0))


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al.), PyTorch's ``nn.MultiheadAttention``: the same
    arguments, parameters (``in_proj_weight`` (3E, E) and ``in_proj_bias`` (3E,), or
    ``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when ``kdim``/``vdim`` differ from
    ``embed_dim``; ``out_proj.weight``/``out_proj.bias``), initialisation (Xavier-uniform
    projections, zero biases) and forward. Inputs are (L, N, E), (N, L, E) with
    ``batch_first`` or unbatched (L, E). ``add_bias_kv`` appends the learned ``bias_k`` and
    ``bias_v`` (1, 1, E) (Xavier-normal) to the keys and values as one more source position,
    ``add_zero_attn`` a position of zeros after that (per head); the masks let every query
    attend to both."""

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        dtype=None,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise OpError(
                f"MultiheadAttention: embed_dim {embed_dim} must be a positive multiple of "
                f"num_heads {num_heads}"
            )
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self.head_dim = embed_dim // num_heads
        self.batch_first = batch_first
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _empty((3 * embed_dim, embed_dim), dtype)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = _empty((embed_dim, embed_dim), dtype)
            self.k_proj_weight = _empty((embed_dim, self.kdim), dtype)
            self.v_proj_weight = _empty((embed_dim, self.vdim), dtype)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = _empty((3 * embed_dim,), dtype)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = _empty((1, 1, embed_dim), dtype)
            self.bias_v = _empty((1, 1, embed_dim), dtype)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _projections(self) -> tuple:
        """(W_q, W_k, W_v) and (b_q, b_k, b_v), slices of the packed parameters when packed."""
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            weights = (w[:e], w[e : 2 * e], w[2 * e :])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        biases = (None,) * 3 if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
        return weights, biases

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask=None,
        need_weights: bool = True,
        attn_mask=None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """(attn_output, attn_weights): the output as the query's layout; the weights (N, L, S)
        averaged over heads, (N, num_heads, L, S) with ``average_attn_weights=False``, or None
        when ``need_weights`` is False. ``attn_mask`` is (L, S) or (N * num_heads, L, S),
        ``key_padding_mask`` (N, S); bool masks are True where attention is NOT allowed.
        ``is_causal`` is PyTorch's hint that ``attn_mask`` is the causal mask (it needs one)."""
        op = "MultiheadAttention"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise OpError(
                f"{op}: query, key and value must all be 2-D (unbatched) or 3-D, got shapes "
                f"{query.shape}, {key.shape} and {value.shape}"
            )
        if is_causal and attn_mask is None:
            raise OpError(f"{op}: need attn_mask if specifying the is_causal hint")
        batched = query.ndim == 3
        if batched and self._packs(query, key, value, key_padding_mask, need_weights):
            return self._self_attend(query, attn_mask), None
        if not batched:
            query, key, value = (fn.unsqueeze(t, 1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = _mask_array(key_padding_mask, query, op).reshape(1, -1)
        elif self.batch_first:
            query, key, value = (fn.transpose(t, 0, 1) for t in (query, key, value))
        out, weights = self._attend(
            query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights
        )
        if not batched:
            out = fn.squeeze(out, 1)
            weights = None if weights is None else fn.squeeze(weights, 0)
        elif self.batch_first:
            out = fn.transpose(out, 0, 1)
        return out, weights

    def _packs(self, query, key, value, key_padding_mask, need_weights) -> bool:
        """Whether the packed self-attention op computes this call: one input for query, key
        and value, packed projections, no extra key positions, padding mask or dropout."""
        return (
            query is key
            and key is value
            and self._qkv_same_embed_dim
            and self.bias_k is None
            and not self.add_zero_attn
            and key_padding_mask is None
            and not need_weights
            and (self.dropout == 0.0 or not self.training)
        )

    def _self_attend(self, x: Tensor, attn_mask) -> Tensor:
        """Self-attention as one in-projection (N, L, 3E), the packed attention op and the
        out-projection: no head transposes."""
        op = "MultiheadAttention"
        if x.shape[2] != self.embed_dim:
            raise OpError(f"{op}: input of shape {x.shape} does not fit embed_dim {self.embed_dim}")
        tokens = x if self.batch_first else fn.transpose(x, 0, 1)
        length = tokens.shape[1]
        qkv = F.linear(tokens, self.in_proj_weight, self.in_proj_bias)
        masks = []
        if attn_mask is not None:
            mask = _as_additive(attn_mask, x, op)
            if mask.shape == (tokens.shape[0] * self.num_heads, length, length) or mask.ndim != 2:
                return self._attend_unpacked(x, attn_mask)
            if mask.shape != (length, length):
                raise OpError(
                    f"{op}: attn_mask of shape {mask.shape} should be ({length}, {length}) or "
                    f"({tokens.shape[0] * self.num_heads}, {length}, {length})"
                )
            masks.append(Tensor._make(mask))
        scale = 1.0 / math.sqrt(self.head_dim)
        out = PACKED_ATTENTION(qkv, *masks, heads=self.num_heads, scale=scale)
        out = self.out_proj(out)
        return out if self.batch_first else fn.transpose(out, 0, 1)

    def _attend_unpacked(self, x: Tensor, attn_mask) -> Tensor:
        if self.batch_first:
            x = fn.transpose(x, 0, 1)
        out = self._attend(x, x, x, None, False, attn_mask, True)[0]
        return fn.transpose(out, 0, 1) if self.batch_first else out

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask, average):
        """Attention over sequence-first (L, N, E) inputs."""
        op = "MultiheadAttention"
        (length, batch, embed), source = query.shape, key.shape[0]
        if embed != self.embed_dim or key.shape[2] != self.kdim or value.shape[2] != self.vdim:
            raise OpError(
                f"{op}: query, key and value of shapes {query.shape}, {key.shape} and "
                f"{value.shape} do not fit embed_dim {self.embed_dim}, kdim {self.kdim} and "
                f"vdim {self.vdim}"
            )
        if key.shape[:2] != value.shape[:2] or key.shape[1] != batch:
            raise OpError(
                f"{op}: key {key.shape} and value {value.shape} must share (S, N) with the "
                f"query's batch size {batch}"
            )
        heads, head_dim = self.num_heads, self.head_dim
        (w_q, w_k, w_v), (b_q, b_k, b_v) = self._projections()

        def split_heads(x):  # (T, N, E) -> (N, heads, T, head_dim)
            return fn.permute(x.reshape(x.shape[0], batch, heads, head_dim), 1, 2, 0, 3)

        q, k, v = (F.linear(*a) for a in ((query, w_q, b_q), (key, w_k, b_k), (value, w_v, b_v)))
        added = 0  # source positions appended to the keys and values
        if self.bias_k is not None:
            k = fn.cat([k, self.bias_k.expand(1, batch, embed)], 0)
            v = fn.cat([v, self.bias_v.expand(1, batch, embed)], 0)
            added += 1
        q, k, v = split_heads(q), split_heads(k), split_heads(v)
        if self.add_zero_attn:
            zeros = creation.zeros((batch, heads, 1, head_dim), dtype=k.dtype, device=k.device)
            k, v = fn.cat([k, zeros], 2), fn.cat([v, zeros], 2)
            added += 1
        mask = self._merged_mask(attn_mask, key_padding_mask, query, batch, length, source)
        if mask is not None and added:  # every query may attend to the appended positions
            mask = array_module(mask).pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, added)])
        dropout_p = self.dropout if self.training else 0.0
        if need_weights:
            scores = fn.matmul(q * (1.0 / math.sqrt(head_dim)), fn.transpose(k, -2, -1))
            weights = fn.softmax(scores if mask is None else scores + Tensor._make(mask), -1)
            if dropout_p > 0.0:
                weights = F.dropout(weights, dropout_p)
            out = fn.matmul(weights, v)
            weights = fn.mean(weights, 1) if average else weights
        else:
            out = scaled_dot_product_attention(q, k, v, mask, dropout_p)
            weights = None
        out = fn.permute(out, 2, 0, 1, 3).reshape(length, batch, embed)
        return self.out_proj(out), weights

    def _merged_mask(self, attn_mask, key_padding_mask, like, batch, length, source):
        """``attn_mask`` and ``key_padding_mask`` as one float array broadcasting to
        (N, heads, L, S), or None."""
        op = "MultiheadAttention"
        merged = None
        if attn_mask is not None:
            merged = _as_additive(attn_mask, like, op)
            if merged.ndim == 2 and merged.shape == (length, source):
                pass
            elif merged.ndim == 3 and merged.shape == (batch * self.num_heads, length, source):
                merged = merged.reshape(batch, self.num_heads, length, source)
            else:
                expected = f"({length}, {source}) or ({batch * self.num_heads}, {length}, {source})"
                raise OpError(f"{op}: attn_mask of shape {merged.shape} should be {expected}")
        if key_padding_mask is not None:
            padding = _as_additive(key_padding_mask, like, op)
            if padding.shape != (batch, source):
                raise OpError(
                    f"{op}: key_padding_mask of shape {padding.shape} should be "
                    f"({batch}, {source}) (N, S)"
                )
            padding = padding.reshape(batch, 1, 1, source)
            merged = padding if merged is None else merged + padding
        return merged

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"


__all__ = ["MultiheadAttention"]
