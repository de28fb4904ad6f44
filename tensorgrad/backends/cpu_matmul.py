"""The CPU's big matrix products on every core, with BLAS kept at one thread.

BLAS's own threads spin while they wait for work, and spinning against the kernel threads or a
busy neighbour made steps 3.5-20x slower (``tensorgrad.kernels.config``); the kernel threads
wait on a lock instead. So a product worth splitting is cut into row blocks of ``a`` (or column
blocks of a transposed weight ``b``), one per kernel thread, each a one-thread BLAS GEMM into
its own block of the output: both cores for a GEMM-heavy model (an MLP's step), no reduction,
and the split depends only on the shapes and the thread count. Float matrices go to the workers
without the GIL (NumPy's own ``cblas_?gemm`` called from a kernel, ``kernels.gemm_handoff``),
others as Python slices; the numbers are ``np.matmul``'s of each block either way. Those may
differ from the whole product's in the last bits: OpenBLAS's Haswell kernels (AVX2 CPUs)
round a block by where it starts (float32: almost every split tried), its SkylakeX ones a few
shapes. A linear layer's bias is added to each block by the thread that computed it
(``linear``).
"""

import numpy as np

from ..kernels import cblas
from ..kernels.gemm_handoff import SLOT_FIELDS, fill_blocks
from .batch_threads import batch_slices, run_gemm_blocks, run_slices

_NO_BIAS = {"f": np.empty(0, np.float32), "d": np.empty(0, np.float64)}


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` (into ``out`` when given, as ``np.matmul``'s); for 2-D operands, blocks of
    the output on the kernel threads when it pays."""
    if a.ndim != 2 or b.ndim != 2:
        return np.matmul(a, b, out=out)
    m, n = a.shape[0], b.shape[1]
    by_columns, slices = _split(a, b)
    if len(slices) == 1:
        return np.matmul(a, b, out=out)
    if out is None:
        out = np.empty((m, n), dtype=np.result_type(a, b))
    blocks = _gemm_blocks(a, b, out, slices, by_columns)
    if blocks is not None and run_gemm_blocks(blocks):
        return out

    def run(s):
        if by_columns:
            np.matmul(a, b[:, s], out=out[:, s])
        else:
            np.matmul(a[s], b, out=out[s])

    run_slices(run, slices)
    return out


def linear(x: np.ndarray, w: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``x @ w.T + bias``, each block's numbers those of ``out = x @ w.T; out += bias`` on its
    rows or columns; a product split over the kernel threads adds the bias to each block on
    the thread that computed it, while the block is in that core's cache (on a ViT's (12800,
    192) output the separate pass cost 880 us against the GEMM's 3480)."""
    if x.ndim == 2 and w.ndim == 2 and bias.shape == w.shape[:1]:
        b = w.T
        by_columns, slices = _split(x, b)
        if len(slices) > 1:
            out = np.empty((x.shape[0], b.shape[1]), dtype=np.result_type(x, w, bias))
            blocks = _gemm_blocks(x, b, out, slices, by_columns, bias)
            if blocks is not None and run_gemm_blocks(blocks):
                return out
    out = matmul(x, w.T)
    out += bias
    return out


def _split(a: np.ndarray, b: np.ndarray) -> tuple[bool, list[slice]]:
    """(split by columns of ``b``, the blocks) for ``a @ b``: one block per kernel thread when
    the product is worth splitting."""
    m, n = a.shape[0], b.shape[1]
    by_columns = _columns_first(b, m)
    return by_columns, batch_slices(n if by_columns else m, m * a.shape[1] * n)


def _columns_first(b: np.ndarray, m: int) -> bool:
    """Split the columns of ``b`` rather than the rows of ``a``: when ``b`` is a transposed
    weight (its columns contiguous) wider than ``a`` is tall, as in a linear layer's forward.
    Measured on 128 x 784 @ 784 x 512 (one thread per half): a half of the columns 447 us, of
    the rows 551 (each row block packs all of ``b``); where ``b`` is square to ``a``'s height
    the rows win (256 x 512 @ 512 x 256, two threads: 547-558 us against 625)."""
    return b.shape[1] > m and b.strides[0] == b.itemsize != b.strides[1]


def _gemm_blocks(a, b, out, slices, by_columns, bias=None) -> np.ndarray | None:
    """Slot fields for each block (``out[s] = a[s] @ b``, or ``out[:, s] = a @ b[:, s]``
    ``by_columns``), the call ``np.matmul`` makes for it, then ``+= bias`` where given; None
    where it would make another (other dtypes, a dim below 2: NumPy's special cases,
    unaligned or unusual strides) or NumPy's BLAS is not reachable."""
    address = cblas.GEMM.get(out.dtype.str[1:])
    if address is None or a.dtype != out.dtype or b.dtype != out.dtype:
        return None
    if bias is not None and not (bias.dtype == out.dtype and bias.flags.c_contiguous
                                 and bias.flags.aligned):  # fmt: skip
        return None
    if not (a.flags.aligned and b.flags.aligned and out.flags.aligned):
        return None
    if min(a.shape + b.shape) < 2 or out.shape != (a.shape[0], b.shape[1]):
        return None
    if a.shape[1] != b.shape[0]:  # np.matmul's error, not a GEMM reading past b
        return None
    if min(s.stop - s.start for s in slices) < 2:
        return None
    blocks = np.empty((len(slices), SLOT_FIELDS), np.int64)
    bounds = np.array([s.start for s in slices] + [slices[-1].stop], np.int64)
    bias = _NO_BIAS[out.dtype.char] if bias is None else bias
    double = out.dtype == np.float64
    filled = fill_blocks(blocks, address, double, a, b, out, bias, bounds, by_columns)
    return blocks if filled else None
