"""``MultiheadAttention``'s packed self-attention path (one in-projection and the
``packed_attention`` op) against its unpacked path (the same module asked for the weights),
outputs and gradients; and the backend's fast VJP against the recorded one."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn
from tensorgrad.ops.attention import PACKED_ATTENTION


def _mask(kind: str, length: int):
    if kind == "none":
        return None
    if kind == "bool":  # True: may not attend
        return tg.tensor(np.triu(np.ones((length, length), dtype=bool), 1))
    mask = np.random.default_rng(2).standard_normal((length, length))
    mask[0, 1:] = -np.inf
    return tg.tensor(mask)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kind", ["none", "bool", "float"])
def test_packed_self_attention_matches_the_unpacked_path(batch_first, kind):
    tg.manual_seed(0)
    mha = nn.MultiheadAttention(6, 3, batch_first=batch_first).double()
    x0 = np.random.default_rng(1).standard_normal((2, 4, 6) if batch_first else (4, 2, 6))
    mask = _mask(kind, 4)
    results = []
    for need_weights in (False, True):  # True takes the unpacked path
        x = tg.tensor(x0, requires_grad=True)
        mha.zero_grad()
        out = mha(x, x, x, attn_mask=mask, need_weights=need_weights)[0]
        (out * out).sum().backward()
        results.append((out.data, x.grad.data, mha.in_proj_weight.grad.data))
    for packed, unpacked in zip(*results):
        np.testing.assert_allclose(packed, unpacked, rtol=1e-12, atol=1e-12)


def test_packed_attention_fast_vjp_matches_the_recorded_one():
    rng = np.random.default_rng(0)
    mask = np.triu(np.full((5, 5), -np.inf), 1)
    mask[2] = -np.inf  # a row with every key masked: zeros and zero gradients
    qkv = tg.tensor(rng.standard_normal((3, 5, 12)), requires_grad=True)
    out = PACKED_ATTENTION(qkv, tg.tensor(mask), heads=2, scale=0.5)
    g = tg.tensor(rng.standard_normal(out.shape))
    (fast,) = tg.autograd.grad(out, [qkv], g, retain_graph=True)
    (recorded,) = tg.autograd.grad(out, [qkv], g, create_graph=True)
    np.testing.assert_allclose(fast.data, recorded.data, rtol=1e-12, atol=1e-12)
    assert (out.data[:, 2] == 0).all() and np.isfinite(fast.data).all()
