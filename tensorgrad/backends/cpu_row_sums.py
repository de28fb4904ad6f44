"""The CPU's sums over rows (``Backend.sum_rows``) by the ``kernels.row_sums`` passes, where
they give NumPy's numbers: float C-contiguous rows at least two wide (NumPy sums a single
column pairwise)."""

import numpy as np

from ..kernels import row_sums


def _fits(a) -> bool:
    return (
        a.ndim == 2
        and a.shape[1] >= 2
        and a.dtype in (np.float32, np.float64)
        and a.flags.c_contiguous
        and a.flags.aligned
    )


def sum_rows(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``a`` (times ``b`` elementwise, when given) summed over its rows: (rows, n) -> (n,)."""
    if b is None:
        if not _fits(a):
            return a.sum(axis=0)
        out = np.empty(a.shape[1], a.dtype)
        row_sums.sum_rows(a, out)
        return out
    if not (_fits(a) and _fits(b) and a.shape == b.shape and a.dtype == b.dtype):
        return (a * b).sum(axis=0)
    out = np.empty(a.shape[1], a.dtype)
    row_sums.sum_row_products(a, b, out)
    return out
