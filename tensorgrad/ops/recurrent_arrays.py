"""The recurrences of ``ops/recurrent.py`` on plain arrays: the forward loops, and the backward
passes through time of the fast path (``create_graph=False``).

Everything is in time order (the op flips views for ``reverse``) and computed with the arrays'
own module, so the loops run on any device. Per step: one matmul and a few array operations
written in place into buffers made once per sequence; what a step needs that does not depend on
the carried gradient is computed for all steps at once, before the loop.
"""

from ..backends import array_module, backend_of


def _sigmoid_(xp, a):
    """``a = sigmoid(a)`` in place, as 0.5 tanh(a/2) + 0.5: one transcendental pass, no overflow."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def previous(first, states):
    """The state before each step, (T, N, H): ``first``, then every state but the last."""
    return array_module(states).concatenate([first[None], states[:-1]])


# -- RNN ---------------------------------------------------------------------------------------
def rnn_forward(x, h0, w_hh, nonlinearity: str):
    """hs (T, N, H), h_t = act(x_t + h_{t-1} W_hh^T)."""
    xp = array_module(x)
    w_t = xp.ascontiguousarray(w_hh.T)  # a small batch's matmul is fastest on this layout
    hs = xp.empty(x.shape[:2] + (h0.shape[-1],), x.dtype)
    h = h0
    for t in range(x.shape[0]):
        h = xp.matmul(h, w_t, out=hs[t])
        h += x[t]
        if nonlinearity == "tanh":
            xp.tanh(h, out=h)
        else:
            xp.maximum(h, 0, out=h)
    return hs


def rnn_backward(grad, w_hh, hs, nonlinearity: str) -> tuple:
    """(d pre (T, N, H), dh0): d pre_t = (dL/dh_t + d pre_{t+1} W_hh) act'(pre_t)."""
    xp = array_module(hs)
    slope = 1.0 - hs * hs if nonlinearity == "tanh" else (hs > 0).astype(hs.dtype)
    d, dh = xp.empty_like(hs), None
    for t in range(hs.shape[0] - 1, -1, -1):
        xp.multiply(grad[t] if dh is None else grad[t] + dh, slope[t], out=d[t])
        dh = d[t] @ w_hh
    return d, dh


# -- LSTM --------------------------------------------------------------------------------------
def _lstm_gate_scales(xp, hidden: int, dtype) -> tuple:
    """(scale, offset) per gate column: 1/2, 1/2 for i, f and o, 1, 0 for g, so that one tanh
    pass gives all four gates: gate = scale * tanh(scale * pre) + offset, as sigmoid(x) =
    0.5 tanh(x/2) + 0.5."""
    half = xp.full(4 * hidden, 0.5, dtype)
    half[2 * hidden : 3 * hidden] = 1.0
    offset = xp.full(4 * hidden, 0.5, dtype)
    offset[2 * hidden : 3 * hidden] = 0.0
    return half, offset


def lstm_forward(x, h0, c0, w_hh, w_hr=None, keep_steps=True, bias=None) -> tuple:
    """``lstm_forward_arrays``, or the backend's fused kernels where it has them (the CPU)."""
    fused = backend_of(x).lstm_forward(x, h0, c0, w_hh, w_hr, keep_steps, bias)
    if fused is None:
        return lstm_forward_arrays(x, h0, c0, w_hh, w_hr, keep_steps, bias)
    return fused


def lstm_forward_arrays(x, h0, c0, w_hh, w_hr=None, keep_steps=True, bias=None) -> tuple:
    """(out (T, N, P + H) holding [h_t, c_t], the activated gates i, f, g, o (T, N, 4H),
    tanh(c_t)); h_t = o tanh(c_t), times W_hr^T (P, H) when given (P = H without); ``bias``
    (4H,), when given, is added to each step's ``x`` first (as a linear layer would have).
    ``keep_steps=False`` (no backward to come): the gates and tanh(c_t) of the last step only,
    (1, N, ...), one step's buffers that stay in cache."""
    xp = array_module(x)
    steps, batch, hidden, proj = x.shape[0], x.shape[1], c0.shape[-1], h0.shape[-1]
    scale, offset = _lstm_gate_scales(xp, hidden, x.dtype)
    w_t = xp.ascontiguousarray(w_hh.T)  # a small batch's matmul is fastest on this layout
    w_hr_t = None if w_hr is None else xp.ascontiguousarray(w_hr.T)
    kept = steps if keep_steps else min(steps, 1)
    acts = xp.empty((kept,) + x.shape[1:], x.dtype)
    out = xp.empty((steps, batch, proj + hidden), x.dtype)
    tanh_c = xp.empty((kept, batch, hidden), x.dtype)
    h, c = h0, c0
    for t in range(steps):
        k = t if keep_steps else 0
        a = xp.matmul(h, w_t, out=acts[k])
        a += x[t] if bias is None else x[t] + bias
        a *= scale
        xp.tanh(a, out=a)
        a *= scale
        a += offset
        i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
        c = xp.multiply(f, c, out=out[t, :, proj:])
        c += i * g
        xp.tanh(c, out=tanh_c[k])
        if w_hr_t is None:
            h = xp.multiply(o, tanh_c[k], out=out[t, :, :proj])
        else:
            h = out[t, :, :proj]
            h[...] = (o * tanh_c[k]) @ w_hr_t
    return out, acts, tanh_c


def lstm_backward(grad, c0, w_hh, w_hr, out, acts, tanh_c) -> tuple:
    """``lstm_backward_arrays``, or the backend's fused kernels where it has them (the CPU)."""
    fused = backend_of(acts).lstm_backward(grad, c0, w_hh, w_hr, out, acts, tanh_c)
    return lstm_backward_arrays(grad, c0, w_hh, w_hr, out, acts, tanh_c) if fused is None else fused


def lstm_backward_arrays(grad, c0, w_hh, w_hr, out, acts, tanh_c) -> tuple:
    """(d gates (T, N, 4H), dh0, dc0, dL/dh_t (T, N, P) for W_hr's gradient, None without)
    through time: dc_t = dL/dc_t + f_{t+1} dc_{t+1} + dh_t o (1 - tanh(c_t)^2), dh_t =
    (dL/dh_t + d gates_{t+1} W_hh) [W_hr]; d(i, f, g, o) = dc g i(1-i), dc c_{t-1} f(1-f),
    dc i (1-g^2), dh tanh(c_t) o(1-o)."""
    xp = array_module(acts)
    steps, hidden = out.shape[0], c0.shape[-1]
    proj = out.shape[-1] - hidden
    i, f, g, o = (acts[..., k * hidden : (k + 1) * hidden] for k in range(4))
    factors = xp.empty_like(acts)  # d gates_t = factors_t * (dc_t, dc_t, dc_t, dh_t)
    f_i, f_f, f_g, f_o = (factors[..., k * hidden : (k + 1) * hidden] for k in range(4))
    xp.multiply(i, 1.0 - i, out=f_i)
    f_i *= g
    xp.multiply(f, 1.0 - f, out=f_f)
    f_f *= previous(c0, out[..., proj:])
    xp.multiply(g, g, out=f_g)
    xp.subtract(1.0, f_g, out=f_g)
    f_g *= i
    xp.multiply(o, 1.0 - o, out=f_o)
    f_o *= tanh_c
    dc_per_dh = o * (1.0 - tanh_c * tanh_c)
    d = xp.empty_like(acts)
    d_proj = None if w_hr is None else xp.empty(out.shape[:2] + (proj,), out.dtype)
    grad_h, grad_c = grad[..., :proj], grad[..., proj:]
    dh = dc = None
    for t in range(steps - 1, -1, -1):
        dh_t = grad_h[t] if dh is None else grad_h[t] + dh
        if w_hr is not None:
            d_proj[t] = dh_t
            dh_t = dh_t @ w_hr
        dc_t = dh_t * dc_per_dh[t]
        dc_t += grad_c[t]
        if dc is not None:
            dc_t += dc
        xp.multiply(factors[t], xp.concatenate([dc_t, dc_t, dc_t, dh_t], -1), out=d[t])
        dh, dc = d[t] @ w_hh, dc_t * f[t]
    return d, dh, dc, d_proj


# -- GRU ---------------------------------------------------------------------------------------
def gru_forward(x, h0, w_hh, b_hh) -> tuple:
    """(hs (T, N, H), acts (T, N, 3H) holding sigmoid r, sigmoid z and W_hn h_{t-1} + b_hn, n)."""
    xp = array_module(x)
    steps, batch, hidden = x.shape[0], x.shape[1], h0.shape[-1]
    w_t = xp.ascontiguousarray(w_hh.T)
    acts = xp.empty((steps, batch, 3 * hidden), x.dtype)
    hs, n = xp.empty((steps, batch, hidden), x.dtype), xp.empty((steps, batch, hidden), x.dtype)
    h = h0
    for t in range(steps):
        a = xp.matmul(h, w_t, out=acts[t])
        if b_hh is not None:
            a += b_hh
        rz = a[:, : 2 * hidden]
        rz += x[t, :, : 2 * hidden]
        _sigmoid_(xp, rz)
        n_t = xp.multiply(a[:, :hidden], a[:, 2 * hidden :], out=n[t])
        n_t += x[t, :, 2 * hidden :]
        xp.tanh(n_t, out=n_t)
        h = xp.subtract(h, n_t, out=hs[t])
        h *= a[:, hidden : 2 * hidden]
        h += n_t
    return hs, acts, n


def gru_backward(grad, h0, w_hh, hs, acts, n) -> tuple:
    """(d x_proj, dh0, d h_proj) through time: dn = dh (1-z)(1-n^2), dz = dh (h_{t-1}-n) z(1-z),
    dr = dn h_n r(1-r); d x_proj = (dr, dz, dn), d h_proj = (dr, dz, dn r), dh_{t-1} =
    dh z + d h_proj W_hh (pre-activation gradients throughout)."""
    xp = array_module(acts)
    hidden = h0.shape[-1]
    r, z, h_n = (acts[..., k * hidden : (k + 1) * hidden] for k in range(3))
    dn_per_dh = (1.0 - z) * (1.0 - n * n)
    dz_per_dh = (previous(h0, hs) - n) * z * (1.0 - z)
    dr_per_dn = h_n * r * (1.0 - r)
    d_x, d_h = xp.empty_like(acts), xp.empty_like(acts)
    dh = None
    for t in range(hs.shape[0] - 1, -1, -1):
        dh_t = grad[t] if dh is None else grad[t] + dh
        dn = xp.multiply(dh_t, dn_per_dh[t], out=d_x[t, :, 2 * hidden :])
        xp.multiply(dn, dr_per_dn[t], out=d_x[t, :, :hidden])
        xp.multiply(dh_t, dz_per_dh[t], out=d_x[t, :, hidden : 2 * hidden])
        d_h[t, :, : 2 * hidden] = d_x[t, :, : 2 * hidden]
        xp.multiply(dn, r[t], out=d_h[t, :, 2 * hidden :])
        dh = dh_t * z[t]
        dh += d_h[t] @ w_hh
    return d_x, dh, d_h
