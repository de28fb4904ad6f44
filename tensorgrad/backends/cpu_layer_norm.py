"""The CPU's layer normalisation: one Numba pass over each row forward and one backward
(``tensorgrad.kernels.layer_norm``), blocks of rows on the kernel threads when it pays, with the
numbers of ``backends.norms``' array formulas; other dtypes than float32 take those formulas."""

import numpy as np

from ..kernels import layer_norm as kln
from . import norms
from .batch_threads import ELEMENT_COST, ENTERED, batch_slices, run_slices

_FLOAT32 = np.dtype(np.float32)


def _float32(*arrays) -> bool:
    return all(a is None or a.dtype == _FLOAT32 for a in arrays)


def _in_row_blocks(run, rows: int, size: int) -> None:
    """``run(lo, hi)`` over blocks of the rows (its kernel announces itself, ``ENTERED``); an
    element is read and written twice or more."""
    slices = batch_slices(rows, 2 * size * ELEMENT_COST)
    run_slices(lambda s: run(s.start, s.stop), slices, announced=True)


def layer_norm_forward(x, weight, bias, eps):
    if not _float32(x, weight, bias):
        return norms.layer_norm_forward(np, x, weight, bias, eps)
    x = np.ascontiguousarray(x)
    xhat = np.empty_like(x)
    out = xhat if weight is None else np.empty_like(x)
    invstd = np.empty((x.shape[0], 1), x.dtype)
    eps32 = x.dtype.type(eps)

    def run(lo, hi):
        kln.forward(x, weight, bias, eps32, lo, hi, out, xhat, invstd[:, 0], ENTERED)

    _in_row_blocks(run, x.shape[0], x.size)
    return out, xhat, invstd


def layer_norm_input_grad(grad, weight, xhat, invstd):
    if not _float32(grad, weight, xhat, invstd):
        return norms.layer_norm_input_grad(np, grad, weight, xhat, invstd)
    grad, xhat = np.ascontiguousarray(grad), np.ascontiguousarray(xhat)
    dx = np.empty_like(grad)

    def run(lo, hi):
        gw = np.empty(grad.shape[1], grad.dtype)
        kln.input_grad(grad, weight, xhat, invstd[:, 0], lo, hi, gw, dx, ENTERED)

    _in_row_blocks(run, grad.shape[0], grad.size)
    return dx
