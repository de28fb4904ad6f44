"""Op-table rows of issue 13's recurrent layers: the fused LSTM and GRU cells (the layers
themselves are compositions, checked in ``tests/test_layers2*.py``)."""

import numpy as np
from hypothesis import strategies as st
from op_table import Row, no_params

from tensorgrad.ops.recurrent import GRU_CELL, LSTM_CELL
from tensorgrad.testing import arrays


def np_lstm_cell(gates, c):
    """PyTorch's LSTM cell on pre-activations in the order i, f, g, o."""
    i, f, g, o = np.split(gates, 4, axis=-1)
    sigmoid = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return np.concatenate([sigmoid(o) * np.tanh(c_new), c_new], axis=-1)


def lstm_cell_args():
    batch_dims = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)
    return (
        st.tuples(batch_dims, st.integers(1, 3))
        .flatmap(
            lambda bh: st.tuples(arrays(bh[0] + (4 * bh[1],), -3, 3), arrays(bh[0] + (bh[1],)))
        )
        .map(no_params)
    )


ROWS = [
    Row("lstm_cell", ("lstm_cell",), LSTM_CELL, np_lstm_cell, lstm_cell_args()),
]


def np_gru_cell(x_proj, h_proj, h):
    """PyTorch's GRU cell on the two projections, gates r, z, n."""
    sigmoid = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    (x_r, x_z, x_n), (h_r, h_z, h_n) = np.split(x_proj, 3, -1), np.split(h_proj, 3, -1)
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
    n = np.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


def gru_cell_args():
    batch_dims = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)
    return (
        st.tuples(batch_dims, st.integers(1, 3))
        .flatmap(
            lambda bh: st.tuples(
                arrays(bh[0] + (3 * bh[1],), -3, 3),
                arrays(bh[0] + (3 * bh[1],), -3, 3),
                arrays(bh[0] + (bh[1],)),
            )
        )
        .map(no_params)
    )


ROWS.append(Row("gru_cell", ("gru_cell",), GRU_CELL, np_gru_cell, gru_cell_args()))
