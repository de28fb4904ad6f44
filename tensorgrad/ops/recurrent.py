"""The pointwise parts of the LSTM and GRU cells as primitives.

``lstm_cell(gates, c) -> [h', c']``:

``gates`` (..., 4H) holds the pre-activations in PyTorch's order i, f, g, o; ``c`` (..., H) the
cell state. The output (..., 2H) is ``h' = o * tanh(c')`` and ``c' = f * c + i * g``
side by side. Composed from sigmoid, tanh and slices it is about a dozen recorded ops per time
step, each with its own Python overhead; fused, a step is one forward and one backward, with
the activated gates kept as the residual. The recorded VJPs recompute the gates with tensorgrad
ops, so second derivatives hold.

``gru_cell(x_proj, h_proj, h) -> h'``: ``x_proj = W_ih x + b_ih`` and ``h_proj = W_hh h + b_hh``
(..., 3H) in PyTorch's order r, z, n; ``n = tanh(x_n + r * h_n)`` and ``h' = n + z * (h - n)``.
"""

from ..backends import array_module
from .registry import defop, is_grad_enabled
from .shape import CAT


def _sigmoid(xp, x):
    # 0.5 * tanh(x / 2) + 0.5: one transcendental pass, no overflow for any x; its absolute
    # error (a few ulp of 1) is what a gate's product sees
    return 0.5 * xp.tanh(0.5 * x) + 0.5


def _lstm_cell_forward(gates, c):
    xp = array_module(gates)
    hidden = c.shape[-1]
    act = _sigmoid(xp, gates)
    act[..., 2 * hidden : 3 * hidden] = xp.tanh(gates[..., 2 * hidden : 3 * hidden])
    i, f, g, o = (act[..., k * hidden : (k + 1) * hidden] for k in range(4))
    c_new = f * c + i * g
    out = xp.concatenate([o * xp.tanh(c_new), c_new], axis=-1).astype(gates.dtype, copy=False)
    return out, act


def _gates_and_dc(grad, out, gates, c, act):
    """(i, f, g, o, dL/dc'): the activated gates and the gradient reaching c' through both
    outputs, dL/dc' = grad_c + grad_h * o * (1 - tanh(c')^2); arrays on the fast path."""
    hidden = c.shape[-1]
    if is_grad_enabled():
        parts = [gates[..., k * hidden : (k + 1) * hidden] for k in range(4)]
        i, f, o = parts[0].sigmoid(), parts[1].sigmoid(), parts[3].sigmoid()
        g = parts[2].tanh()
        tanh_c = (f * c + i * g).tanh()
    else:
        grad, c = grad.data, c.data
        i, f, g, o = (act[..., k * hidden : (k + 1) * hidden] for k in range(4))
        tanh_c = array_module(act).tanh(out.data[..., hidden:])
    grad_h, grad_c = grad[..., :hidden], grad[..., hidden:]
    return i, f, g, o, tanh_c, grad_h, grad_c + grad_h * o * (1.0 - tanh_c * tanh_c)


def _lstm_cell_gates_vjp(grad, out, gates, c, act):
    """d/d(i, f, g, o): dc' g i(1-i), dc' c f(1-f), dc' i (1-g^2), dh tanh(c') o(1-o)"""
    i, f, g, o, tanh_c, grad_h, dc = _gates_and_dc(grad, out, gates, c, act)
    c = c if is_grad_enabled() else c.data
    parts = [
        dc * g * i * (1.0 - i),
        dc * c * f * (1.0 - f),
        dc * i * (1.0 - g * g),
        grad_h * tanh_c * o * (1.0 - o),
    ]
    if is_grad_enabled():
        return CAT(*parts, dim=gates.ndim - 1)
    return array_module(act).concatenate(parts, axis=-1)


def _lstm_cell_c_vjp(grad, out, gates, c, act):
    """d [h', c'] / d c = dL/dc' * f"""
    _, f, _, _, _, _, dc = _gates_and_dc(grad, out, gates, c, act)
    return dc * f


def _gru_cell_forward(x_proj, h_proj, h):
    xp = array_module(x_proj)
    hidden = h.shape[-1]
    act = _sigmoid(xp, x_proj + h_proj)
    r, z = act[..., :hidden], act[..., hidden : 2 * hidden]
    act[..., 2 * hidden :] = xp.tanh(x_proj[..., 2 * hidden :] + r * h_proj[..., 2 * hidden :])
    n = act[..., 2 * hidden :]
    return (n + z * (h - n)).astype(x_proj.dtype, copy=False), act


def _gru_pre_grads(grad, x_proj, h_proj, h, act):
    """(dL/d(r, z, n) pre-activations, r): dn_pre = grad (1-z)(1-n^2),
    dr_pre = dn_pre h_n r(1-r), dz_pre = grad (h-n) z(1-z); arrays on the fast path."""
    hidden = h.shape[-1]
    if is_grad_enabled():
        r = (x_proj[..., :hidden] + h_proj[..., :hidden]).sigmoid()
        z = (x_proj[..., hidden : 2 * hidden] + h_proj[..., hidden : 2 * hidden]).sigmoid()
        h_n = h_proj[..., 2 * hidden :]
        n = (x_proj[..., 2 * hidden :] + r * h_n).tanh()
    else:
        grad, h, h_n = grad.data, h.data, h_proj.data[..., 2 * hidden :]
        r, z, n = act[..., :hidden], act[..., hidden : 2 * hidden], act[..., 2 * hidden :]
    dn = grad * (1.0 - z) * (1.0 - n * n)
    return (dn * h_n * r * (1.0 - r), grad * (h - n) * z * (1.0 - z), dn), r, z


def _joined(parts, like):
    if is_grad_enabled():
        return CAT(*parts, dim=like.ndim - 1)
    return array_module(parts[0]).concatenate(parts, axis=-1)


def _gru_cell_x_vjp(grad, out, x_proj, h_proj, h, act):
    """d h' / d x_proj = (dr_pre, dz_pre, dn_pre)"""
    parts, _, _ = _gru_pre_grads(grad, x_proj, h_proj, h, act)
    return _joined(parts, x_proj)


def _gru_cell_h_proj_vjp(grad, out, x_proj, h_proj, h, act):
    """d h' / d h_proj = (dr_pre, dz_pre, dn_pre * r)"""
    (dr, dz, dn), r, _ = _gru_pre_grads(grad, x_proj, h_proj, h, act)
    return _joined([dr, dz, dn * r], h_proj)


def _gru_cell_h_vjp(grad, out, x_proj, h_proj, h, act):
    """d h' / d h = z (directly; h_proj carries the rest)"""
    hidden = h.shape[-1]
    if is_grad_enabled():
        z = x_proj[..., hidden : 2 * hidden] + h_proj[..., hidden : 2 * hidden]
        return grad * z.sigmoid()
    return grad.data * act[..., hidden : 2 * hidden]


GRU_CELL = defop(
    "gru_cell",
    _gru_cell_forward,
    (_gru_cell_x_vjp, _gru_cell_h_proj_vjp, _gru_cell_h_vjp),
    residual=True,
)
LSTM_CELL = defop(
    "lstm_cell",
    _lstm_cell_forward,
    (_lstm_cell_gates_vjp, _lstm_cell_c_vjp),
    save_out=True,
    residual=True,
)
