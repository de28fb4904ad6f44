"""Recurrences over a whole sequence, one primitive each: ``rnn_scan``, ``lstm_scan`` and
``gru_scan``, what ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` run per layer and direction.

Each takes ``x_proj`` (T, N, G), every step's input projection (one matmul over the whole
sequence, done before), the initial state ``h0`` (N, H) (and ``c0`` for the LSTM) and ``w_hh``
(G, H), gates in PyTorch's order (LSTM i, f, g, o; GRU r, z, n). Where the recurrent bias only
adds to the pre-activations (RNN, LSTM) the caller folds it into ``x_proj``; the GRU's sits
inside ``r * (...)``, so ``gru_scan`` takes ``b_hh`` (G,) as an optional last input.
``reverse=True`` runs from the last step to the first (a bidirectional layer's second
direction); outputs stay in input order.

- ``rnn_scan(x_proj, h0, w_hh)``: h_t = act(x_t + W_hh h_{t-1}), act tanh or relu -> (T, N, H)
- ``lstm_scan(x_proj, h0, c0, w_hh[, w_hr])``: c_t = f c_{t-1} + i g, h_t = o tanh(c_t)
  [times W_hr^T (P, H): LSTM's ``proj_size``] -> (T, N, P + H), [h_t, c_t] side by side
- ``gru_scan(x_proj, h0, w_hh[, b_hh])``: n = tanh(x_n + r (W_hn h_{t-1} + b_hn)),
  h_t = n + z (h_{t-1} - n) -> (T, N, H)

Why one primitive: composed of per-step ops, each step records a dozen nodes, and the backward
sums a sequence-sized, zero-filled gradient for every ``x_proj[t]`` slice (O(T^2) memory
traffic). Fused, a step is one matmul and a few array operations, and the backward is one pass
through time whose weight gradients are one matmul over all steps.

The backward is a joint VJP (``ops.registry``): every input's gradient comes out of that one
pass. The fast path runs it on the saved activations (``ops/recurrent_arrays.py``); under
``create_graph=True`` the recurrence is recomputed from the inputs with tensorgrad ops and the
same pass written with them runs here, so second derivatives hold.
"""

from ..backends import backend_of
from . import recurrent_arrays as arrays
from .registry import defop, is_grad_enabled
from .shape import CAT


def _stack(parts: list):
    return CAT(*[p.reshape((1,) + p.shape) for p in parts], dim=0)


def _flip(a, reverse: bool):
    return a[::-1] if reverse else a


def _previous(first, states):
    """The state before each step, (T, N, H): ``first``, then every state but the last."""
    return CAT(first[None], states[:-1], dim=0)


def _summed_outer(d, x):
    """sum_t d_t^T x_t over all steps (T, N, A) and (T, N, B): one matmul, arrays or Tensors
    (arrays on the backend's GEMM: the CPU's uses every kernel thread)."""
    a, b = d.reshape(-1, d.shape[-1]).T, x.reshape(-1, x.shape[-1])
    return a @ b if is_grad_enabled() else backend_of(a).matmul(a, b)


def _outer_with_previous(d, first, states):
    """``_summed_outer(d, previous(first, states))`` of arrays, the states read in place (no
    copy of them shifted by a step); the first step's term only where ``first`` is not all
    zeros, the initial state's default."""
    total = _summed_outer(d[1:], states[:-1])
    if first.any():
        total += backend_of(first).matmul(d[0].T, first)
    return total


def _row_sums(d):
    """d summed over steps and batch (T, N, G) -> (G,), as a linear layer sums its bias's
    gradient (the backend's row sums for arrays)."""
    rows = d.reshape(-1, d.shape[-1])
    return rows.sum(0) if is_grad_enabled() else backend_of(rows).sum_rows(rows)


def _data(*tensors) -> tuple:
    return tuple(None if t is None else t.data for t in tensors)


# -- RNN ---------------------------------------------------------------------------------------
def _rnn_scan_forward(x_proj, h0, w_hh, *, nonlinearity, reverse):
    hs = arrays.rnn_forward(_flip(x_proj, reverse), h0, w_hh, nonlinearity)
    return _flip(hs, reverse), hs


def _rnn_recorded(grad, x, h0, w_hh, nonlinearity):
    """(d pre, dh0, hs) with tensorgrad ops, the recurrence recomputed from x (time order)."""
    hs, h = [], h0
    for t in range(x.shape[0]):
        pre = x[t] + h @ w_hh.mT
        h = pre.tanh() if nonlinearity == "tanh" else pre.relu()
        hs.append(h)
    hs = _stack(hs)
    if nonlinearity == "tanh":
        slope = 1.0 - hs * hs
    else:
        slope = type(hs)._make((hs.data > 0).astype(hs.dtype))
    d, dh = [None] * hs.shape[0], None
    for t in range(hs.shape[0] - 1, -1, -1):
        d[t] = (grad[t] if dh is None else grad[t] + dh) * slope[t]
        dh = d[t] @ w_hh
    return _stack(d), dh, hs


def _rnn_scan_vjp(grad, out, x_proj, h0, w_hh, hs, *, nonlinearity, reverse):
    """d/d(x_proj, h0, W_hh) through time: d pre_t = (dL/dh_t + d pre_{t+1} W_hh) act'(pre_t),
    act' = 1 - h^2 (tanh) or [h > 0] (relu)"""
    grad = _flip(grad, reverse)
    if is_grad_enabled():
        d_pre, dh0, hs = _rnn_recorded(grad, _flip(x_proj, reverse), h0, w_hh, nonlinearity)
        d_w_hh = _summed_outer(d_pre, _previous(h0, hs))
    else:
        grad, h0, w_hh = _data(grad, h0, w_hh)
        d_pre, dh0 = arrays.rnn_backward(grad, w_hh, hs, nonlinearity)
        d_w_hh = _outer_with_previous(d_pre, h0, hs)
    return _flip(d_pre, reverse), dh0, d_w_hh


# -- LSTM --------------------------------------------------------------------------------------
def _lstm_optional(rest, biased: bool) -> tuple:
    """(W_hr or None, bias or None) from the inputs after W_hh."""
    w_hr = rest[0] if len(rest) > biased else None
    return w_hr, rest[-1] if biased else None


def _lstm_scan_forward(x_proj, h0, c0, w_hh, *rest, reverse, biased=False):
    # without grad mode no node is recorded, so no backward needs every step's gates
    keep = is_grad_enabled()
    w_hr, bias = _lstm_optional(rest, biased)
    x_proj = _flip(x_proj, reverse)
    out, acts, tanh_c = arrays.lstm_forward(x_proj, h0, c0, w_hh, w_hr, keep, bias)
    return _flip(out, reverse), (out, acts, tanh_c)


def _lstm_recorded(grad, x, h0, c0, w_hh, w_hr):
    """(d gates, dh0, dc0, h_{t-1}, dL/dh_t, o tanh(c_t)) with tensorgrad ops, the recurrence
    recomputed from x (time order); the last two for W_hr's gradient."""
    hidden, proj = c0.shape[-1], h0.shape[-1]
    steps, h, c = [], h0, c0
    for t in range(x.shape[0]):
        pre = x[t] + h @ w_hh.mT
        i, f, o = (pre[..., k * hidden : (k + 1) * hidden].sigmoid() for k in (0, 1, 3))
        g = pre[..., 2 * hidden : 3 * hidden].tanh()
        c_prev, c = c, f * c + i * g
        tanh_c = c.tanh()
        steps.append((h, c_prev, i, f, g, o, tanh_c))
        h = o * tanh_c if w_hr is None else (o * tanh_c) @ w_hr.mT
    grad_h, grad_c = grad[..., :proj], grad[..., proj:]
    d, d_proj, dh, dc = [None] * x.shape[0], [None] * x.shape[0], None, None
    for t in range(x.shape[0] - 1, -1, -1):
        _, c_prev, i, f, g, o, tanh_c = steps[t]
        dh_t = d_proj[t] = grad_h[t] if dh is None else grad_h[t] + dh
        dh_t = dh_t if w_hr is None else dh_t @ w_hr
        dc_t = grad_c[t] + dh_t * o * (1.0 - tanh_c * tanh_c)
        dc_t = dc_t if dc is None else dc_t + dc
        parts = (dc_t * g * i * (1.0 - i), dc_t * c_prev * f * (1.0 - f),
                 dc_t * i * (1.0 - g * g), dh_t * tanh_c * o * (1.0 - o))  # fmt: skip
        d[t] = CAT(*parts, dim=parts[0].ndim - 1)
        dh, dc = d[t] @ w_hh, dc_t * f
    h_prev = _stack([step[0] for step in steps])
    h_full = _stack([step[5] * step[6] for step in steps])
    return _stack(d), dh, dc, h_prev, _stack(d_proj), h_full


def _lstm_scan_vjp(grad, out, x_proj, h0, c0, w_hh, *rest, reverse, biased=False):
    """d/d(x_proj, h0, c0, W_hh[, W_hr][, bias]) through time: dc_t = dL/dc_t + f_{t+1}
    dc_{t+1} + dh_t o (1 - tanh(c_t)^2), dh_t = (dL/dh_t + d gates_{t+1} W_hh) [W_hr], d(i, f,
    g, o) = dc g i(1-i), dc c_{t-1} f(1-f), dc i (1-g^2), dh tanh(c_t) o(1-o) (pre-activations);
    d W_hr = sum_t (dL/dh_t)^T o tanh(c_t); d bias = d x_proj summed over steps and batch"""
    *rest, (out, acts, tanh_c) = rest
    w_hr, bias = _lstm_optional(rest, biased)
    grad = _flip(grad, reverse)
    if is_grad_enabled():
        x = _flip(x_proj if bias is None else x_proj + bias, reverse)
        d_gates, dh0, dc0, h_prev, d_proj, h_full = _lstm_recorded(grad, x, h0, c0, w_hh, w_hr)
        d_w_hh = _summed_outer(d_gates, h_prev)
    else:
        grad, h0, c0, w_hh, w_hr = _data(grad, h0, c0, w_hh, w_hr)
        d_gates, dh0, dc0, d_proj = arrays.lstm_backward(grad, c0, w_hh, w_hr, out, acts, tanh_c)
        hidden = c0.shape[-1]
        d_w_hh = _outer_with_previous(d_gates, h0, out[..., : h0.shape[-1]])
        h_full = None if w_hr is None else acts[..., 3 * hidden :] * tanh_c
    grads = (_flip(d_gates, reverse), dh0, dc0, d_w_hh)
    if w_hr is not None:
        grads += (_summed_outer(d_proj, h_full),)
    if bias is not None:
        grads += (_row_sums(d_gates),)
    return grads


# -- GRU ---------------------------------------------------------------------------------------
def _gru_scan_forward(x_proj, h0, w_hh, *b_hh, reverse):
    hs, acts, n = arrays.gru_forward(_flip(x_proj, reverse), h0, w_hh, *(b_hh or [None]))
    return _flip(hs, reverse), (hs, acts, n)


def _gru_recorded(grad, x, h0, w_hh, b_hh):
    """(d x_proj, dh0, d h_proj, hs) with tensorgrad ops, the recurrence recomputed from x."""
    hidden = h0.shape[-1]
    steps, h = [], h0
    for t in range(x.shape[0]):
        h_proj = h @ w_hh.mT if b_hh is None else h @ w_hh.mT + b_hh
        r = (x[t][..., :hidden] + h_proj[..., :hidden]).sigmoid()
        z = (x[t][..., hidden : 2 * hidden] + h_proj[..., hidden : 2 * hidden]).sigmoid()
        h_n = h_proj[..., 2 * hidden :]
        n = (x[t][..., 2 * hidden :] + r * h_n).tanh()
        steps.append((h, r, z, h_n, n))
        h = n + z * (h - n)
    d_x, d_h, dh = [None] * x.shape[0], [None] * x.shape[0], None
    for t in range(x.shape[0] - 1, -1, -1):
        h_prev, r, z, h_n, n = steps[t]
        dh_t = grad[t] if dh is None else grad[t] + dh
        dn = dh_t * (1.0 - z) * (1.0 - n * n)
        dr, dz = dn * h_n * r * (1.0 - r), dh_t * (h_prev - n) * z * (1.0 - z)
        d_x[t] = CAT(dr, dz, dn, dim=dn.ndim - 1)
        d_h[t] = CAT(dr, dz, dn * r, dim=dn.ndim - 1)
        dh = dh_t * z + d_h[t] @ w_hh
    return _stack(d_x), dh, _stack(d_h), _stack([step[0] for step in steps])


def _gru_scan_vjp(grad, out, x_proj, h0, w_hh, *rest, reverse):
    """d/d(x_proj, h0, W_hh[, b_hh]) through time: dn = dh (1-z)(1-n^2), dz = dh (h_{t-1}-n)
    z(1-z), dr = dn h_n r(1-r); d x_proj = (dr, dz, dn), d h_proj = (dr, dz, dn r), dh_{t-1} =
    dh z + d h_proj W_hh (pre-activations)"""
    *b_hh, (hs, acts, n) = rest
    b_hh = b_hh[0] if b_hh else None
    grad = _flip(grad, reverse)
    if is_grad_enabled():
        d_x, dh0, d_h, h_prev = _gru_recorded(grad, _flip(x_proj, reverse), h0, w_hh, b_hh)
        d_w_hh = _summed_outer(d_h, h_prev)
    else:
        grad, h0, w_hh = _data(grad, h0, w_hh)
        d_x, dh0, d_h = arrays.gru_backward(grad, h0, w_hh, hs, acts, n)
        d_w_hh = _outer_with_previous(d_h, h0, hs)
    grads = (_flip(d_x, reverse), dh0, d_w_hh)
    return grads if b_hh is None else grads + (_row_sums(d_h),)


# scan(x_proj, h0[, c0], w_hh[, w_hr or b_hh], reverse=...) -> every step's state (LSTM: [h,
# c]); residual: what the fast backward reads, in time order
RNN_SCAN = defop("rnn_scan", _rnn_scan_forward, _rnn_scan_vjp, residual=True, joint=True)
LSTM_SCAN = defop("lstm_scan", _lstm_scan_forward, _lstm_scan_vjp, residual=True, joint=True)
GRU_SCAN = defop("gru_scan", _gru_scan_forward, _gru_scan_vjp, residual=True, joint=True)
