"""The CPU's big matrix products on every core, with BLAS kept at one thread.

BLAS's own threads spin while they wait for work, and spinning against the kernel threads or a
busy neighbour made steps 3.5-20x slower (``tensorgrad.kernels.config``); the kernel threads
wait on a lock instead. So a product worth splitting is cut into row blocks of ``a``, one per
kernel thread, each a one-thread BLAS GEMM into its own rows of the output: both cores for a
GEMM-heavy model (an MLP's step), no reduction, and the split depends only on the shapes and
the thread count.
"""

import numpy as np

from .batch_threads import batch_slices, run_slices


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``; for 2-D operands, row blocks of ``a`` on the kernel threads when it pays."""
    if a.ndim != 2 or b.ndim != 2:
        return a @ b
    slices = batch_slices(a.shape[0], a.shape[0] * a.shape[1] * b.shape[1])
    if len(slices) == 1:
        return a @ b
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))

    def run(s):
        np.matmul(a[s], b, out=out[s])

    run_slices(run, slices)
    return out
