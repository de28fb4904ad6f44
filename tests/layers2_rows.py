"""Op-table rows of issue 13's recurrent layers: the fused recurrences over a sequence
(``rnn_scan``, ``lstm_scan``, ``gru_scan``), against plain NumPy loops of PyTorch's cell
equations (the layers themselves are checked in ``tests/test_layers2*.py``)."""

import numpy as np
from hypothesis import strategies as st
from op_table import Row

from tensorgrad.ops.recurrent import GRU_SCAN, LSTM_SCAN, RNN_SCAN
from tensorgrad.testing import arrays


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _in_time_order(fn):
    """The reference run from the last step to the first for ``reverse=True``, output in input
    order."""

    def reference(x_proj, *rest, reverse, **params):
        x = x_proj[::-1] if reverse else x_proj
        out = np.stack(fn(x, *rest, **params))
        return out[::-1] if reverse else out

    return reference


@_in_time_order
def np_rnn_scan(x, h, w_hh, *, nonlinearity):
    out = []
    for x_t in x:
        pre = x_t + h @ w_hh.T
        h = np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0.0)
        out.append(h)
    return out


@_in_time_order
def np_lstm_scan(x, h, c, w_hh, w_hr=None):
    """PyTorch's LSTM cell, gates i, f, g, o, h projected by W_hr when given; each step's
    [h, c]."""
    out = []
    for x_t in x:
        i, f, g, o = np.split(x_t + h @ w_hh.T, 4, axis=-1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        h = h if w_hr is None else h @ w_hr.T
        out.append(np.concatenate([h, c], axis=-1))
    return out


@_in_time_order
def np_gru_scan(x, h, w_hh, b_hh=None):
    """PyTorch's GRU cell, gates r, z, n."""
    out = []
    for x_t in x:
        h_proj = h @ w_hh.T + (0.0 if b_hh is None else b_hh)
        (x_r, x_z, x_n), (h_r, h_z, h_n) = np.split(x_t, 3, -1), np.split(h_proj, 3, -1)
        r, z = _sigmoid(x_r + h_r), _sigmoid(x_z + h_z)
        n = np.tanh(x_n + r * h_n)
        h = (1 - z) * n + z * h
        out.append(h)
    return out


@st.composite
def scan_args(draw, gates: int, optional: str | None = None, **params):
    """(x_proj (T, N, G*H), h0 (N, P)[, c0 (N, H)], w_hh (G*H, P)[, the optional input]) and
    params; ``optional``: "w_hr" (P, H), P < H (LSTM's projection), or "b_hh" (G*H,)."""
    steps, batch, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    given = optional is not None and draw(st.booleans())
    proj = (
        draw(st.integers(1, hidden - 1)) if given and optional == "w_hr" and hidden > 1 else hidden
    )
    inputs = [
        draw(arrays((steps, batch, gates * hidden), -2, 2)),
        draw(arrays((batch, proj), -1, 1)),
    ]
    if gates == 4:
        inputs.append(draw(arrays((batch, hidden), -1, 1)))
    inputs.append(draw(arrays((gates * hidden, proj), -1, 1)))
    if given and optional == "b_hh":
        inputs.append(draw(arrays((gates * hidden,), -1, 1)))
    elif proj < hidden:
        inputs.append(draw(arrays((proj, hidden), -1, 1)))
    return inputs, {"reverse": draw(st.booleans()), **params}


@st.composite
def biased_lstm_args(draw):
    """``scan_args(4, "w_hr")`` and a bias (4H,) after them, with ``biased=True``."""
    inputs, params = draw(scan_args(4, "w_hr"))
    inputs.append(draw(arrays(inputs[0].shape[-1:], -1, 1)))
    return inputs, {**params, "biased": True}


def np_lstm_scan_biased(x_proj, *rest, reverse, biased):
    """``np_lstm_scan`` of the projection with its bias added."""
    *inputs, bias = rest
    return np_lstm_scan(x_proj + bias, *inputs, reverse=reverse)


def _off_the_kink(args) -> bool:
    """Every pre-activation of the relu RNN away from 0, so finite differences see no kink."""
    (x, h, w_hh), params = args
    for x_t in x[::-1] if params["reverse"] else x:
        pre = x_t + h @ w_hh.T
        if np.abs(pre).min() <= 1e-2:
            return False
        h = np.maximum(pre, 0.0)
    return True


ROWS = [
    Row("rnn_scan_tanh", ("rnn_scan",), RNN_SCAN, np_rnn_scan,
        scan_args(1, nonlinearity="tanh")),
    Row("rnn_scan_relu", ("rnn_scan",), RNN_SCAN, np_rnn_scan,
        scan_args(1, nonlinearity="relu").filter(_off_the_kink)),
    Row("lstm_scan", ("lstm_scan",), LSTM_SCAN, np_lstm_scan, scan_args(4, "w_hr")),
    Row("lstm_scan_biased", ("lstm_scan",), LSTM_SCAN, np_lstm_scan_biased, biased_lstm_args()),
    Row("gru_scan", ("gru_scan",), GRU_SCAN, np_gru_scan, scan_args(3, "b_hh")),
]  # fmt: skip
