"""The LSTM recurrence on the CPU: per step one BLAS product and one vectorised tanh pass in
NumPy, the rest of the step in one Numba pass (``tensorgrad.kernels.lstm``), into buffers made
once per sequence. Same contract and numbers as ``tensorgrad.ops.recurrent_arrays``' array
path, which serves what these do not take (``None`` back: other dtypes, an empty sequence).

The rows of a batch never meet in the recurrence, so with more than one kernel thread the
whole sequence runs in row blocks, one per thread (``batch_threads``), forward and back: one
hand-off per layer instead of one per step. A block's products are one-thread GEMMs on its rows,
whose sums may round differently from one GEMM over the whole batch. Without a projection a
block's whole sequence is one kernel call (``kernels.lstm.forward_rows``, ``backward_rows``:
NumPy's BLAS and tanh loop called from compiled code), so the threads never wait for the GIL
between steps; the loops here serve the rest (a projection, a NumPy without those entry points,
a block of one row, which ``np.matmul`` would not multiply by GEMM).
"""

import numpy as np

from ..kernels import cblas
from ..kernels import lstm as klstm
from ..kernels.ufunc_loops import unary_loop
from .batch_threads import ENTERED, batch_slices, run_slices

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_TANH = {dtype: unary_loop(np.tanh, dtype) for dtype in _DTYPES}


def _blocks(dtype, w_hr, batch: int, hidden: int, proj: int) -> tuple:
    """(row blocks, one per kernel thread when a step's product is worth splitting; the
    one-call kernels' ``_compiled`` or None)."""
    blocks = batch_slices(batch, batch * proj * 4 * hidden)
    return blocks, _compiled(dtype, w_hr, blocks, proj)


def _compiled(dtype, w_hr, blocks, proj: int) -> tuple | None:
    """(GEMM address, tanh loop) for the one-call kernels, or None where they do not serve:
    ``np.matmul`` multiplies a block with a dim below 2 otherwise than by GEMM."""
    gemm, tanh = cblas.GEMM.get(dtype.str[1:]), _TANH[dtype]
    if gemm is None or tanh is None or w_hr is not None or proj < 2:
        return None
    return (gemm, tanh) if min(r.stop - r.start for r in blocks) >= 2 else None


def _fits(*arrays) -> bool:
    dtype = arrays[0].dtype
    return dtype in _DTYPES and all(
        a is None or (isinstance(a, np.ndarray) and a.dtype == dtype) for a in arrays
    )


def _gate_scale(hidden: int, dtype) -> np.ndarray:
    """1/2 for the sigmoid gates i, f, o, 1 for g: tanh(scale * pre) gives every gate in one
    pass. Scaling by a power of two is exact, so it is folded into W_hh once and into each
    step's input projection as it is added (``kernels.lstm.add_scaled``)."""
    scale = np.full(4 * hidden, 0.5, dtype)
    scale[2 * hidden : 3 * hidden] = 1.0
    return scale


def lstm_forward(x, h0, c0, w_hh, w_hr=None, keep_steps=True, bias=None):
    """``recurrent_arrays.lstm_forward``, or None when the arrays do not fit."""
    if x.shape[0] == 0 or not _fits(x, h0, c0, w_hh, w_hr, bias):
        return None
    steps, batch, hidden, proj = x.shape[0], x.shape[1], c0.shape[-1], h0.shape[-1]
    scale = _gate_scale(hidden, x.dtype)
    w_t = np.ascontiguousarray((w_hh * scale[:, None]).T)
    w_hr_t = None if w_hr is None else np.ascontiguousarray(w_hr.T)
    kept = steps if keep_steps else 1
    acts = np.empty((kept, batch, 4 * hidden), x.dtype)
    out = np.empty((steps, batch, proj + hidden), x.dtype)
    tanh_c = np.empty((kept, batch, hidden), x.dtype)
    start, half = np.concatenate([h0, c0], -1), x.dtype.type(0.5)
    blocks, compiled = _blocks(x.dtype, w_hr, batch, hidden, proj)
    if compiled is not None:
        gemm, tanh = compiled
        double = x.dtype == np.float64
        x = np.ascontiguousarray(x)

        def rows(r):
            klstm.forward_rows(x, bias, start, w_t, scale, half, gemm, double, tanh,
                               keep_steps, r.start, r.stop, acts, out, tanh_c, ENTERED)  # fmt: skip

        run_slices(rows, blocks, announced=True)
        return out, acts, tanh_c

    def rows(r):
        prev = start[r]
        for t in range(steps):
            k = t if keep_steps else 0
            a, state, th = acts[k, r], out[t, r], tanh_c[k, r]
            np.matmul(prev[:, :proj], w_t, out=a)
            if bias is None:
                klstm.add_scaled(a, x[t, r], scale)
            else:
                klstm.add_biased_scaled(a, x[t, r], bias, scale)
            np.tanh(a, out=a)
            klstm.cell_forward(a, prev, state, proj, half)
            np.tanh(state[:, proj:], out=th)
            if w_hr_t is None:
                np.multiply(a[:, 3 * hidden :], th, out=state[:, :proj])
            else:
                np.matmul(a[:, 3 * hidden :] * th, w_hr_t, out=state[:, :proj])
            prev = state

    run_slices(rows, blocks)
    return out, acts, tanh_c


def lstm_backward(grad, c0, w_hh, w_hr, out, acts, tanh_c):
    """``recurrent_arrays.lstm_backward``, or None when the arrays do not fit."""
    if out.shape[0] == 0 or not _fits(acts, grad, c0, w_hh, w_hr, out, tanh_c):
        return None
    steps, batch, hidden = out.shape[0], out.shape[1], c0.shape[-1]
    proj = out.shape[-1] - hidden
    grad = np.ascontiguousarray(grad)
    w_hh = np.ascontiguousarray(w_hh)
    c0, one = np.ascontiguousarray(c0), acts.dtype.type(1.0)
    d = np.empty_like(acts)
    dh = np.zeros((batch, proj), acts.dtype)  # d gates_{t+1} W_hh
    dc = np.zeros((batch, hidden), acts.dtype)  # f_{t+1} dc_{t+1}
    if w_hr is None:
        d_proj, dh_full = None, dh
    else:
        d_proj = np.empty((steps, batch, proj), acts.dtype)
        dh_full = np.empty((batch, hidden), acts.dtype)
    blocks, compiled = _blocks(acts.dtype, w_hr, batch, hidden, proj)
    if compiled is not None:
        gemm, double = compiled[0], acts.dtype == np.float64

        def rows(r):
            klstm.backward_rows(grad, c0, w_hh, one, gemm, double, r.start, r.stop, out, acts,
                                tanh_c, d, dh, dc, ENTERED)  # fmt: skip

        run_slices(rows, blocks, announced=True)
        return d, dh, dc, d_proj

    def rows(r):
        dh_r, dc_r, dh_full_r = dh[r], dc[r], dh_full[r]
        for t in range(steps - 1, -1, -1):
            prev, c_col = (c0[r], 0) if t == 0 else (out[t - 1, r], proj)
            if w_hr is not None:
                np.add(grad[t, r, :proj], dh_r, out=d_proj[t, r])
                np.matmul(d_proj[t, r], w_hr, out=dh_full_r)
            klstm.cell_backward(grad[t, r], proj, w_hr is None, dh_full_r, dc_r, acts[t, r],
                                prev, c_col, tanh_c[t, r], d[t, r], one)  # fmt: skip
            np.matmul(d[t, r], w_hh, out=dh_r)

    run_slices(rows, blocks)
    return d, dh, dc, d_proj
