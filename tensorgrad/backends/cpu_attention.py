"""The CPU's packed self-attention: ``attention_arrays``' code with float32's row softmax and
its VJP as Numba passes (``tensorgrad.kernels.softmax_rows``), on slices of the batch across
the kernel threads when it pays (the rows of a slice split again when it runs alone); other
dtypes take the array code for the softmax."""

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


def _image_slices(qkv) -> list[slice]:
    """Slices of the batch for the kernel threads, by the products' multiply-adds (q k^T and
    p v: 2 L^2 E per image)."""
    n, length, width = qkv.shape
    return batch_slices(n, 2 * n * length * length * (width // 3))


def packed_attention(qkv, mask, heads: int, scale: float):
    """``attention_arrays.packed_attention`` on slices of the batch, one per kernel thread
    (each image's products and rows are computed alike in any slice: the same numbers), each
    writing its images' rows of the output; the saved probabilities stay in the slices'
    arrays, with the slices."""
    slices = _image_slices(qkv)
    n, length, width = qkv.shape
    out = np.empty((n, length, width // 3), qkv.dtype)
    parts = run_slices(
        lambda s: attention_arrays.packed_attention(np, qkv[s], mask, heads, scale, _ROWS,
                                                    out[s])[1],
        slices,
    )  # fmt: skip
    return out, (slices, parts)


def packed_attention_backward(grad, qkv, saved, heads: int, scale: float):
    slices, probs = saved
    out = np.empty(qkv.shape, qkv.dtype)

    def backward(part):  # part: slice(k, k + 1), the forward's k-th slice
        k = part.start
        s = slices[k]
        attention_arrays.packed_attention_backward(
            np, grad[s], qkv[s], probs[k], heads, scale, _ROWS, out[s]
        )

    run_slices(backward, [slice(k, k + 1) for k in range(len(slices))])
    return out
