"""The LSTM recurrence's kernels (``tensorgrad.backends.cpu_lstm`` runs them): one step's
elementwise work in one pass each way, and the whole sequence of a block of rows in one call.

Rows are C-contiguous ``(N, ...)`` arrays; a step's state row holds ``[h, c]`` (``P + H``
columns, ``c`` from column ``proj``), as the LSTM's output does. The arithmetic is the array
path's (``tensorgrad.ops.recurrent_arrays``) in the same order, compiled without fastmath, so
the numbers are the same bit for bit. The transcendentals are NumPy's own tanh loop
(``ufunc_loops``: a Numba loop's calls libm per element, measured 50x slower), and the
products NumPy's BLAS GEMM (``cblas``), each called as NumPy calls it.
"""

import numpy as np

from .cblas import GEMM_ARGS, matmul_into
from .config import EXACT_JIT, njit
from .spin import announce
from .ufunc_loops import call_unary


@njit(**EXACT_JIT)
def add_scaled(acts, x, scale):
    """``acts += x * scale`` (rows (N, 4H), ``scale`` (4H,)): a step's input projection scaled
    and added in one pass, so the whole sequence's is never scaled into a new array."""
    for n in range(acts.shape[0]):
        a, x_n = acts[n], x[n]
        for j in range(a.size):
            a[j] = a[j] + x_n[j] * scale[j]


@njit(**EXACT_JIT)
def add_biased_scaled(acts, x, bias, scale):
    """``acts += (x + bias) * scale``: ``add_scaled`` of the projection with its bias added
    first, the number a linear layer with that bias would have stored."""
    for n in range(acts.shape[0]):
        a, x_n = acts[n], x[n]
        for j in range(a.size):
            a[j] = a[j] + (x_n[j] + bias[j]) * scale[j]


@njit(**EXACT_JIT)
def cell_forward(acts, prev, state, proj, half):
    """``acts`` (N, 4H): tanh of the scaled pre-activations in, the gates i, f, g, o out
    (sigmoid x = 0.5 tanh(x/2) + 0.5); ``state[:, proj:]`` = c_t = f c_{t-1} + i g, with
    c_{t-1} = ``prev[:, proj:]``; ``half`` is 0.5 in the arrays' dtype (a float literal would
    compute float32 in float64)."""
    hidden = acts.shape[1] // 4
    for n in range(acts.shape[0]):
        a, c_prev, c = acts[n], prev[n][proj:], state[n][proj:]
        i, f = a[:hidden], a[hidden : 2 * hidden]
        g, o = a[2 * hidden : 3 * hidden], a[3 * hidden :]
        for j in range(hidden):
            i_j = i[j] * half + half
            f_j = f[j] * half + half
            o[j] = o[j] * half + half
            i[j], f[j] = i_j, f_j
            c[j] = f_j * c_prev[j] + i_j * g[j]


@njit(**EXACT_JIT)
def cell_backward(grad, proj, add_grad_h, dh, dc, acts, prev, c_col, tanh_c, d, one):
    """One step back: dL/dh_t = ``dh`` (plus ``grad[:, :proj]`` when ``add_grad_h``), dc_t =
    dL/dh_t o (1 - tanh(c_t)^2) + ``grad[:, proj:]`` + ``dc`` (f_{t+1} dc_{t+1}); writes the
    pre-activation gradients ``d`` (N, 4H) and f_t dc_t into ``dc``. c_{t-1} is
    ``prev[:, c_col:]`` (a state row, or c0 itself); ``one``: 1 in the arrays' dtype."""
    hidden = acts.shape[1] // 4
    for n in range(acts.shape[0]):
        a, c_prev, th = acts[n], prev[n][c_col:], tanh_c[n]
        g_h, g_c = grad[n][:proj], grad[n][proj:]
        i, f = a[:hidden], a[hidden : 2 * hidden]
        g, o = a[2 * hidden : 3 * hidden], a[3 * hidden :]
        dh_n, dc_n, dn = dh[n], dc[n], d[n]
        d_i, d_f = dn[:hidden], dn[hidden : 2 * hidden]
        d_g, d_o = dn[2 * hidden : 3 * hidden], dn[3 * hidden :]
        for j in range(hidden):
            dh_j = g_h[j] + dh_n[j] if add_grad_h else dh_n[j]
            dc_j = dh_j * (o[j] * (one - th[j] * th[j]))
            dc_j += g_c[j]
            dc_j += dc_n[j]
            d_i[j] = i[j] * (one - i[j]) * g[j] * dc_j
            d_f[j] = f[j] * (one - f[j]) * c_prev[j] * dc_j
            d_g[j] = (one - g[j] * g[j]) * i[j] * dc_j
            d_o[j] = o[j] * (one - o[j]) * th[j] * dh_j
            dc_n[j] = dc_j * f[j]


@njit(**EXACT_JIT)
def forward_rows(x, bias, start, w_t, scale, half, gemm, double, tanh, keep_steps, lo, hi, acts,
                 out, tanh_c, entered=None):  # fmt: skip
    """The whole recurrence (no projection) for the rows ``lo:hi``: per step the product by
    BLAS, then the step's elementwise work and NumPy's tanh loop (``ufunc_loops``) on those
    rows while they are in cache. ``bias`` (or None) is added to ``x`` first, ``start``
    holds ``[h0, c0]`` per row, ``w_t`` the scaled W_hh^T, ``half`` 0.5 in the arrays' dtype;
    the same numbers as ``cpu_lstm``'s step-by-step loop."""
    announce(entered)
    proj = w_t.shape[0]
    args = np.empty(GEMM_ARGS, np.int64)
    for t in range(x.shape[0]):
        k = t if keep_steps else 0
        prev = start[lo:hi] if t == 0 else out[t - 1, lo:hi]
        a, state, th = acts[k, lo:hi], out[t, lo:hi], tanh_c[k, lo:hi]
        matmul_into(gemm, double, args, prev[:, :proj], w_t, a)
        if bias is None:
            add_scaled(a, x[t, lo:hi], scale)
        else:
            add_biased_scaled(a, x[t, lo:hi], bias, scale)
        call_unary(tanh, a.reshape(-1), a.reshape(-1))
        cell_forward(a, prev, state, proj, half)
        hidden = th.shape[1]
        for n in range(hi - lo):
            call_unary(tanh, state[n, proj:], th[n])
            o, h, th_n = a[n, 3 * hidden :], state[n, :proj], th[n]
            for j in range(hidden):
                h[j] = o[j] * th_n[j]


@njit(**EXACT_JIT)
def backward_rows(grad, c0, w_hh, one, gemm, double, lo, hi, out, acts, tanh_c, d, dh, dc,
                  entered=None):  # fmt: skip
    """Back through time (no projection) for the rows ``lo:hi``: per step ``cell_backward``
    and the product d_t W_hh by BLAS into ``dh``; the same numbers as ``cpu_lstm``'s loop."""
    announce(entered)
    proj = w_hh.shape[1]
    args = np.empty(GEMM_ARGS, np.int64)
    dh_r, dc_r = dh[lo:hi], dc[lo:hi]
    for t in range(grad.shape[0] - 1, -1, -1):
        if t == 0:
            prev, c_col = c0[lo:hi], 0
        else:
            prev, c_col = out[t - 1, lo:hi], proj
        d_t = d[t, lo:hi]
        cell_backward(grad[t, lo:hi], proj, True, dh_r, dc_r, acts[t, lo:hi], prev, c_col,
                      tanh_c[t, lo:hi], d_t, one)  # fmt: skip
        matmul_into(gemm, double, args, d_t, w_hh, dh_r)
