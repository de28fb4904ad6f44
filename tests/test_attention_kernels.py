"""The CPU's packed attention kernels (``tensorgrad.kernels.attention``) against the array code
they mirror (run on the strict test device, as a GPU would) and a float64 reference."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.backends import attention_arrays, batch_threads, cpu_attention
from tensorgrad.kernels import attention as kattention
from tensorgrad.testing.device import STRICT_NUMPY, StrictArray


def _causal(length):
    return np.triu(np.full((length, length), -np.inf, np.float32), 1)


def _unblocked(probs, n, heads):
    """The kernels' saved blocks (blocks, L, per_block L) as the array code's (N, H, L, L)."""
    blocks, length, width = probs.shape
    per_block = width // length
    heads_first = probs.reshape(blocks, length, per_block, length).transpose(0, 2, 1, 3)
    return heads_first.reshape(-1, length, length)[: n * heads].reshape(n, heads, length, length)


def _array_code(qkv, mask, grad, heads, scale):
    """(out, probabilities, dqkv) of the array code on the strict device, as host arrays."""
    strict_mask = None if mask is None else StrictArray(mask)
    out, probs = attention_arrays.packed_attention(
        STRICT_NUMPY, StrictArray(qkv), strict_mask, heads, scale
    )
    dqkv = attention_arrays.packed_attention_backward(
        STRICT_NUMPY, StrictArray(grad), StrictArray(qkv), probs, heads, scale
    )
    return out._a, probs._a, dqkv._a


@pytest.mark.parametrize(
    "n, length, heads, head_dim, masked",
    [(5, 50, 2, 4, False), (5, 14, 2, 4, True), (3, 2, 3, 2, True), (7, 7, 2, 5, True),
     (37, 33, 4, 8, True), (2, 64, 1, 16, False)],
)  # fmt: skip
def test_packed_attention_on_the_cpu_gives_the_array_codes_bits(rng, monkeypatch, n, length,
                                                                heads, head_dim,
                                                                masked):  # fmt: skip
    # a device on the array path must round as the CPU does (the key bias's gradient is noise)
    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 2)
    monkeypatch.setattr(batch_threads, "MIN_WORK", 0)
    embed, scale = heads * head_dim, head_dim**-0.5
    qkv = (rng.standard_normal((n, length, 3 * embed)) * 3).astype(np.float32)
    grad = rng.standard_normal((n, length, embed)).astype(np.float32)
    mask = _causal(length) if masked else None
    out, probs = cpu_attention.packed_attention(qkv, mask, heads, scale)
    dqkv = cpu_attention.packed_attention_backward(grad, qkv, probs, heads, scale)
    assert probs.ndim == 3  # the kernels' blocks, not the array code's
    want_out, want_probs, want_dqkv = _array_code(qkv, mask, grad, heads, scale)
    for got, want in ((out, want_out), (_unblocked(probs, n, heads), want_probs),
                      (dqkv, want_dqkv)):  # fmt: skip
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)
    ref_out, _ = attention_arrays.packed_attention(np, qkv.astype(np.float64), mask, heads, scale)
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-5)


def test_a_block_holds_whole_vector_steps_of_heads_within_its_budget():
    budget = cpu_attention._BLOCK_BYTES
    assert cpu_attention.per_block(14) == 32  # 448 columns: 7 vector steps of 64
    assert cpu_attention.per_block(50) == budget // (4 * 50 * 50)  # 32 would overrun it
    assert cpu_attention.per_block(64) == cpu_attention.per_block(128) == 1
    assert cpu_attention.per_block(300) == 1  # one head overruns it: one head
    for length in range(2, 260):
        count = cpu_attention.per_block(length)
        assert count * length % 64 == 0 or (count + 1) * length * length * 4 > budget
        assert count == 1 or count * length * length * 4 <= budget


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_any_thread_count_gives_the_same_bits_and_reads_the_others_blocks(rng, threads):
    n, length, heads, embed = 37, 33, 4, 32  # 148 heads: the last block partial
    qkv = rng.standard_normal((n, length, 3 * embed)).astype(np.float32)
    grad = rng.standard_normal((n, length, embed)).astype(np.float32)
    mask = _causal(length)
    want_out, want_probs, want_dqkv = _array_code(qkv, mask, grad, heads, 0.125)
    before = tg.get_num_threads()
    try:
        tg.set_num_threads(threads)
        out, probs = cpu_attention.packed_attention(qkv, mask, heads, 0.125)
        assert len(cpu_attention._block_slices(len(probs), qkv, heads)) == threads
        tg.set_num_threads(1 if threads > 1 else 2)  # the backward on another split
        dqkv = cpu_attention.packed_attention_backward(grad, qkv, probs, heads, 0.125)
    finally:
        tg.set_num_threads(before)
    np.testing.assert_array_equal(out, want_out)
    np.testing.assert_array_equal(_unblocked(probs, n, heads), want_probs)
    np.testing.assert_array_equal(dqkv, want_dqkv)


@pytest.mark.parametrize(
    "shape, dtype, mask_dtype",
    [((3, 1, 12), np.float32, None), ((3, 5, 6), np.float32, None),  # a token, a head dim of 1
     ((3, 5, 12), np.float64, None), ((3, 5, 12), np.float32, np.float64), ((0, 5, 12),
     np.float32, None)],
)  # fmt: skip
def test_what_the_kernels_do_not_take_runs_the_array_code(rng, shape, dtype, mask_dtype):
    heads = 2
    qkv = rng.standard_normal(shape).astype(dtype)
    grad = rng.standard_normal(shape[:2] + (shape[2] // 3,)).astype(dtype)
    mask = None if mask_dtype is None else _causal(shape[1]).astype(mask_dtype)
    out, probs = cpu_attention.packed_attention(qkv, mask, heads, 0.5)
    assert probs.ndim == 4
    dqkv = cpu_attention.packed_attention_backward(grad, qkv, probs, heads, 0.5)
    want_out, want_probs = attention_arrays.packed_attention(np, qkv, mask, heads, 0.5)
    want_dqkv = attention_arrays.packed_attention_backward(np, grad, qkv, want_probs, heads, 0.5)
    for got, want in ((out, want_out), (probs, want_probs), (dqkv, want_dqkv)):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)


def test_a_mask_of_another_shape_is_the_array_codes_business(rng):
    qkv = rng.standard_normal((3, 5, 12)).astype(np.float32)
    with pytest.raises(ValueError):  # NumPy's broadcasting error, no kernel reading past it
        cpu_attention.packed_attention(qkv, _causal(4), 2, 0.5)
    row = np.zeros((1, 5), np.float32)  # broadcasts over the queries: the array code's result
    row[0, 3] = -np.inf
    out, probs = cpu_attention.packed_attention(qkv, row, 2, 0.5)
    assert probs.ndim == 4 and (probs[:, :, 3] == 0).all()
    np.testing.assert_array_equal(out, attention_arrays.packed_attention(np, qkv, row, 2, 0.5)[0])


def _column_softmax(scores_t):
    """The kernel's softmax down the columns of ``scores_t`` (height, width), in a block wider
    than the columns used (as a block's last, partial one is)."""
    height, width = scores_t.shape
    block = np.full((height, width + 5), 7.0, np.float32)
    block[:, :width] = scores_t
    top, nan = np.empty(width + 5, np.float32), np.empty(width + 5, np.bool_)
    kattention.softmax_columns32(block, width, top, nan, np.empty_like(block))
    assert (block[:, width:] == 7.0).all()  # columns beyond n untouched
    return block[:, :width]


def test_column_softmax_gives_zeros_for_columns_masked_entirely_and_keeps_nan():
    scores = np.array([[-np.inf, -np.inf, -np.inf], [0.0, 1.0, np.nan], [1.0, 1.0, 1.0],
                       [-1e30, 0.0, 3.0]], np.float32).T.copy()  # fmt: skip
    with np.errstate(invalid="ignore"):
        got = _column_softmax(scores)
        want = attention_arrays.softmax_columns(np, scores.copy())
    np.testing.assert_array_equal(got, want)
    assert (got[:, 0] == 0).all() and np.isnan(got[:, 1]).all()
    np.testing.assert_allclose(got[:, 2], 1 / 3, rtol=1e-7)
    e = np.exp(np.array([-3.0, 0.0]))
    np.testing.assert_allclose(got[:, 3], [0.0, *(e / e.sum())], rtol=1e-6)


@pytest.mark.parametrize("height", [2, 3, 4, 5, 7, 8, 13, 50, 64, 65])
def test_column_softmax_matches_the_array_code_for_a_nan_or_inf_at_every_position(rng, height):
    columns = []
    for special in (np.nan, np.inf, -np.inf):
        for j in range(height):  # every row of the halving tree, the odd middle one included
            column = rng.standard_normal(height).astype(np.float32) * 4
            column[j] = special
            columns.append(column)
    columns.append(np.full(height, -np.inf, np.float32))
    columns.append(rng.standard_normal(height).astype(np.float32) * 30)
    scores = np.stack(columns, 1)
    with np.errstate(invalid="ignore"):
        got = _column_softmax(scores)
        want = attention_arrays.softmax_columns(np, scores.copy())
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.isnan(got).any(0), np.isnan(scores).any(0)
                                  | np.isposinf(scores).any(0))  # fmt: skip


@pytest.mark.parametrize("height", [2, 3, 14, 25, 50, 129])
def test_column_softmax_and_its_vjp_are_the_softmax_and_its_vjp(rng, height):
    scores = (rng.standard_normal((height, 150)) * 4).astype(np.float32)
    dp = rng.standard_normal((height, 150)).astype(np.float32)
    probs = _column_softmax(scores)
    s64 = scores.astype(np.float64)
    e = np.exp(s64 - s64.max(0))
    np.testing.assert_allclose(probs, e / e.sum(0), rtol=2e-6, atol=1e-7)
    got = dp.copy()
    kattention.softmax_columns_grad32(probs, got, 150, np.float32(0.25), np.empty_like(dp))
    p64 = probs.astype(np.float64)
    np.testing.assert_allclose(got, p64 * (dp - (p64 * dp).sum(0)) * 0.25, rtol=1e-5, atol=1e-6)
    want = attention_arrays.softmax_columns_backward(np, probs, dp.copy(), 0.25)
    np.testing.assert_array_equal(got, want)
