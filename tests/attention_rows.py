"""Op-table row of the packed self-attention primitive (``ops/attention.py``), with and without
a mask (causal, or one that masks a query row entirely). Appended to ``tests/op_table.py``'s
ROWS; the reference is plain NumPy."""

import numpy as np
from hypothesis import strategies as st
from op_table import Row

from tensorgrad.ops.attention import PACKED_ATTENTION
from tensorgrad.testing import arrays


def np_packed_attention(qkv, *mask, heads, scale):
    n, length, width = qkv.shape
    q, k, v = (p.transpose(0, 2, 1, 3) for p in
               np.moveaxis(qkv.reshape(n, length, 3, heads, -1), 2, 0))  # fmt: skip
    scores = q @ k.swapaxes(-1, -2) * scale + (mask[0] if mask else 0.0)
    out = np.zeros(scores.shape)
    alive = ~np.all(scores == -np.inf, axis=-1)
    top = np.where(alive, scores.max(axis=-1), 0.0)[..., None]
    e = np.exp(scores - top)
    out = np.where(alive[..., None], e / np.maximum(e.sum(axis=-1, keepdims=True), 1e-300), 0.0)
    return (out @ v).transpose(0, 2, 1, 3).reshape(n, length, width // 3)


@st.composite
def attention_args(draw):
    n, length = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    heads, size = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    qkv = draw(arrays((n, length, 3 * heads * size), -1, 1))
    params = {"heads": heads, "scale": draw(st.sampled_from([1.0, 0.5]))}
    kind = draw(st.sampled_from(["none", "causal", "dead row"]))
    if kind == "none":
        return [qkv], params
    mask = np.triu(np.full((length, length), -np.inf), k=1)
    if kind == "dead row":
        mask[-1] = -np.inf
    return [qkv, mask], params


def _packed_attention(qkv, *mask, heads, scale):
    return PACKED_ATTENTION(qkv, *mask, heads=heads, scale=scale)


ROWS = [
    Row("packed_attention", ("packed_attention",), _packed_attention, np_packed_attention,
        attention_args(), grad_inputs=(0,)),
]  # fmt: skip
