"""The CPU's packed self-attention: ``attention_arrays``' code with float32's row softmax and
its VJP as Numba passes (``tensorgrad.kernels.softmax_rows``), the rows split across the kernel
threads when it pays; other dtypes take the array code whole."""

import numpy as np

from ..kernels import softmax_rows as ksoft
from . import attention_arrays
from .batch_threads import ELEMENT_COST, batch_slices, run_slices

# an element costs about as much as this many multiply-adds (exp's polynomial, the sums)
_SOFTMAX_COST = 4 * ELEMENT_COST


def _by_rows(a, run_rows):
    if a.size == 0:
        return
    rows = a.reshape(-1, a.shape[-1])
    run_slices(lambda s: run_rows(rows, s), batch_slices(rows.shape[0], a.size * _SOFTMAX_COST))


def _softmax(xp, scores):
    if scores.dtype != np.float32 or not scores.flags.c_contiguous:
        return attention_arrays.softmax_rows(xp, scores)
    _by_rows(scores, lambda rows, s: ksoft.softmax_rows32(rows, s.start, s.stop))
    return scores


def _softmax_backward(xp, probs, dp, scale: float):
    if probs.dtype != np.float32 or dp.dtype != np.float32 or not dp.flags.c_contiguous:
        return attention_arrays.softmax_rows_backward(xp, probs, dp, scale)
    p = np.ascontiguousarray(probs).reshape(-1, probs.shape[-1])
    scale32 = np.float32(scale)
    _by_rows(dp, lambda rows, s: ksoft.softmax_rows_grad32(p, rows, scale32, s.start, s.stop))
    return dp


_ROWS = (_softmax, _softmax_backward)


def packed_attention(qkv, mask, heads: int, scale: float):
    return attention_arrays.packed_attention(np, qkv, mask, heads, scale, _ROWS)


def packed_attention_backward(grad, qkv, saved, heads: int, scale: float):
    return attention_arrays.packed_attention_backward(np, grad, qkv, saved, heads, scale, _ROWS)
