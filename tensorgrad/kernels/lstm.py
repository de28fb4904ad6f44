"""One LSTM step's elementwise work in one pass each way (``tensorgrad.backends.cpu_lstm``
runs the recurrence: these kernels between its per-step BLAS products and tanh passes).

Rows are C-contiguous ``(N, ...)`` arrays; a step's state row holds ``[h, c]`` (``P + H``
columns, ``c`` from column ``proj``), as the LSTM's output does. The arithmetic is the array
path's (``tensorgrad.ops.recurrent_arrays``) in the same order, compiled without fastmath, so
the numbers are the same bit for bit. The transcendentals stay out: NumPy's tanh is vectorised,
a Numba loop's calls libm per element (measured 50x slower).
"""

from .config import EXACT_JIT, njit


@njit(**EXACT_JIT)
def add_scaled(acts, x, scale):
    """``acts += x * scale`` (rows (N, 4H), ``scale`` (4H,)): a step's input projection scaled
    and added in one pass, so the whole sequence's is never scaled into a new array."""
    for n in range(acts.shape[0]):
        a, x_n = acts[n], x[n]
        for j in range(a.size):
            a[j] = a[j] + x_n[j] * scale[j]


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
