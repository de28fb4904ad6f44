"""The CPU's packed self-attention: float32 heads a block at a time in Numba around NumPy's
BLAS (``tensorgrad.kernels.attention``), the blocks split across the kernel threads. What the
kernels do not take (other dtypes, a mask of another dtype or shape, a sequence or head of
one, which ``np.matmul`` multiplies otherwise than by GEMM, a NumPy without a GEMM to call)
runs ``attention_arrays``, whose numbers the kernels give bit for bit.

The saved probabilities are the kernels' blocks, (blocks, L, per_block L), or the array
code's (N, H, L, L); any thread count reads either (a block's numbers do not depend on which
thread ran it).
"""

import math

import numpy as np

from ..kernels import attention as kattention
from ..kernels.cblas import GEMM
from . import attention_arrays
from .batch_threads import ELEMENT_COST, ENTERED, batch_slices, run_slices

# an element costs about as much as this many multiply-adds (exp's polynomial, the sums)
_SOFTMAX_COST = 4 * ELEMENT_COST
# a block's transposed probabilities stay within this, with the scratch of its softmax in L2
_BLOCK_BYTES = 1 << 18
_LANES = 64  # LLVM's float32 vector loop step: 16 lanes, unrolled 4 times


def per_block(length: int) -> int:
    """Heads per block of sequences of ``length``: enough for rows of whole vector steps (L =
    14: 32 heads, 448 columns), as many as fit ``_BLOCK_BYTES`` where that is fewer (L = 50:
    26 heads, 1300 columns, 20 of them past the last whole step)."""
    fill = _LANES // math.gcd(length, _LANES)
    return max(1, min(fill, _BLOCK_BYTES // (4 * length * length)))


def _kernels_take(qkv, mask, heads: int) -> bool:
    n, length, width = qkv.shape
    return (
        qkv.dtype == np.float32
        and "f4" in GEMM
        and n > 0
        and length >= 2
        and width // (3 * heads) >= 2
        and (mask is None or (mask.dtype == np.float32 and mask.shape == (length, length)))
    )


def _block_slices(blocks: int, qkv, heads: int) -> list[slice]:
    """The blocks' slices for the kernel threads, by the work: per head two products of L^2 D
    multiply-adds and a softmax over L^2 scores."""
    n, length, width = qkv.shape
    work = n * length * length * (2 * (width // 3) + heads * _SOFTMAX_COST)
    return batch_slices(blocks, work)


def packed_attention(qkv, mask, heads: int, scale: float):
    """``attention_arrays.packed_attention``: (out, the saved probabilities)."""
    if not _kernels_take(qkv, mask, heads):
        return attention_arrays.packed_attention(np, qkv, mask, heads, scale)
    qkv = np.ascontiguousarray(qkv)
    n, length, width = qkv.shape
    count = per_block(length)
    probs = np.empty((-(-n * heads // count), length, count * length), np.float32)
    out = np.empty((n, length, width // 3), np.float32)
    masked = mask is not None
    mask_t = np.tile(mask.T, (1, count)) if masked else np.empty((0, 0), np.float32)
    gemm, scale32 = GEMM["f4"], np.float32(scale)
    run_slices(
        lambda s: kattention.attend(gemm, qkv, mask_t, masked, heads, scale32, s.start, s.stop,
                                    probs, out, ENTERED),
        _block_slices(len(probs), qkv, heads), announced=True,
    )  # fmt: skip
    return out, probs


def packed_attention_backward(grad, qkv, probs, heads: int, scale: float):
    """``attention_arrays.packed_attention_backward`` from ``packed_attention``'s saved
    probabilities."""
    if probs.ndim == 4:  # the array code's
        return attention_arrays.packed_attention_backward(np, grad, qkv, probs, heads, scale)
    grad = np.ascontiguousarray(grad, np.float32)
    qkv = np.ascontiguousarray(qkv)
    dqkv = np.empty(qkv.shape, np.float32)
    gemm, scale32 = GEMM["f4"], np.float32(scale)
    run_slices(
        lambda s: kattention.attend_backward(gemm, grad, qkv, probs, heads, scale32, s.start,
                                             s.stop, dqkv, ENTERED),
        _block_slices(len(probs), qkv, heads), announced=True,
    )  # fmt: skip
    return dqkv
