"""The CPU's attention row softmax passes (``tensorgrad.kernels.softmax_rows``) against the
array code they mirror and a float64 reference."""

import numpy as np
import pytest

from tensorgrad.backends import attention_arrays, batch_threads, cpu_attention
from tensorgrad.kernels import softmax_rows as ksoft
from tensorgrad.testing.device import STRICT_NUMPY, StrictArray


def _causal(length):
    return np.triu(np.full((length, length), -np.inf, np.float32), 1)


@pytest.mark.parametrize("length, masked", [(50, False), (14, True), (1, False), (7, True)])
def test_packed_attention_on_the_cpu_gives_the_array_codes_bits(rng, monkeypatch, length,
                                                                masked):  # fmt: skip
    # a device on the array path must round as the CPU does (the key bias's gradient is noise)
    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 2)
    monkeypatch.setattr(batch_threads, "MIN_WORK", 0)
    qkv = (rng.standard_normal((5, length, 24)) * 3).astype(np.float32)
    grad = rng.standard_normal((5, length, 8)).astype(np.float32)
    mask = _causal(length) if masked else None
    out, saved = cpu_attention.packed_attention(qkv, mask, 2, 0.5)
    dqkv = cpu_attention.packed_attention_backward(grad, qkv, saved, 2, 0.5)
    assert len(saved[0]) == 2  # the batch in two slices
    probs = np.concatenate(saved[1])  # the slices' saved probabilities
    strict_mask = None if mask is None else StrictArray(mask)
    s_out, s_probs = attention_arrays.packed_attention(
        STRICT_NUMPY, StrictArray(qkv), strict_mask, 2, 0.5
    )
    s_dqkv = attention_arrays.packed_attention_backward(
        STRICT_NUMPY, StrictArray(grad), StrictArray(qkv), s_probs, 2, 0.5
    )
    for got, want in ((out, s_out), (probs, s_probs), (dqkv, s_dqkv)):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want._a)
    ref_out, _ = attention_arrays.packed_attention(np, qkv.astype(np.float64), mask, 2, 0.5)
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-5)


def test_row_softmax_gives_zeros_for_rows_masked_entirely_and_keeps_nan():
    scores = np.array([[-np.inf, -np.inf, -np.inf], [0.0, 1.0, np.nan], [1.0, 1.0, 1.0],
                       [-1e30, 0.0, 3.0]], np.float32)  # fmt: skip
    with np.errstate(invalid="ignore"):
        got = cpu_attention._softmax(np, scores.copy())
        want = attention_arrays.softmax_rows(np, scores.copy())
    np.testing.assert_array_equal(got, want)
    assert (got[0] == 0).all() and np.isnan(got[1]).all()
    np.testing.assert_allclose(got[2], 1 / 3, rtol=1e-7)
    e = np.exp(np.array([-3.0, 0.0]))
    np.testing.assert_allclose(got[3], [0.0, *(e / e.sum())], rtol=1e-6)


def test_row_softmax_backward_is_the_softmax_vjp(rng):
    scores = rng.standard_normal((6, 9)).astype(np.float32)
    dp = rng.standard_normal((6, 9)).astype(np.float32)
    probs = cpu_attention._softmax(np, scores.copy())
    got = cpu_attention._softmax_backward(np, probs, dp.copy(), 0.5)
    p64 = probs.astype(np.float64)
    want = p64 * (dp - (p64 * dp).sum(-1, keepdims=True)) * 0.5
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got, attention_arrays.softmax_rows_backward(np, probs, dp, 0.5))


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5, 7, 8, 13, 50, 64])
def test_row_softmax_matches_the_array_code_for_a_nan_or_inf_at_every_position(rng, width):
    rows = []
    for special in (np.nan, np.inf, -np.inf):
        for j in range(width):  # each of the four running maxima and the tail
            row = rng.standard_normal(width).astype(np.float32) * 4
            row[j] = special
            rows.append(row)
    rows.append(np.full(width, -np.inf, np.float32))
    rows.append(rng.standard_normal(width).astype(np.float32) * 30)
    scores = np.stack(rows)
    with np.errstate(invalid="ignore"):
        got = cpu_attention._softmax(np, scores.copy())
        want = attention_arrays.softmax_rows(np, scores.copy())
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.isnan(got).any(-1), np.isnan(scores).any(-1)
                                  | np.isposinf(scores).any(-1))  # fmt: skip


@pytest.mark.parametrize("width", [1, 2, 14, 24, 25, 50, 128, 129])
def test_row_softmax_and_its_vjp_give_the_array_codes_bits_over_partial_blocks(rng, width):
    # rows 5:140 of 150: a first block starting off the array's start, a last one partial
    scores = (rng.standard_normal((150, width)) * 4).astype(np.float32)
    scores[7, -1], scores[70, 0], scores[139, width // 2] = np.nan, np.inf, -np.inf
    scores[66] = -np.inf
    dp = rng.standard_normal((150, width)).astype(np.float32)
    got, want = scores.copy(), scores.copy()
    with np.errstate(invalid="ignore"):
        ksoft.softmax_rows32(got, 5, 140)
        want[5:140] = attention_arrays.softmax_rows(np, want[5:140])
    np.testing.assert_array_equal(got, want)
    probs = np.nan_to_num(want)
    got_dp, want_dp = dp.copy(), dp.copy()
    ksoft.softmax_rows_grad32(probs, got_dp, np.float32(0.25), 5, 140)
    want_dp[5:140] = attention_arrays.softmax_rows_backward(np, probs[5:140], want_dp[5:140], 0.25)
    np.testing.assert_array_equal(got_dp, want_dp)
