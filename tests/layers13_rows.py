"""Op-table rows of issue 13's layers: the layer-norm primitive, through ``F.layer_norm`` and
``F.group_norm``. Appended to ``tests/op_table.py``'s ROWS; the references are plain NumPy."""

import numpy as np
from hypothesis import strategies as st
from op_table import Row

import tensorgrad as tg
from tensorgrad.testing import arrays

F = tg.nn.functional


def np_layer_norm(x, *affine, k, eps=1e-5):
    axes = tuple(range(x.ndim - k, x.ndim))
    xhat = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    return xhat * affine[0] + affine[1] if affine else xhat


def np_group_norm(x, w, b, *, groups, eps=1e-5):
    n, c = x.shape[:2]
    xhat = np_layer_norm(x.reshape(n, groups, -1), k=1, eps=eps).reshape(x.shape)
    shape = (c,) + (1,) * (x.ndim - 2)
    return xhat * w.reshape(shape) + b.reshape(shape)


@st.composite
def layer_norm_args(draw, affine=True):
    """Leading dims and 1 or 2 normalised dims of at least 2 values, distinct values (so each
    variance is not tiny); a weight away from 0."""
    lead = draw(st.sampled_from([(), (2,), (2, 1)]))
    normalized = draw(st.sampled_from([(2,), (3,), (2, 2), (1, 3)]))
    x = draw(arrays(lead + normalized, unique=True, margin=0.05))
    params = {"k": len(normalized)}
    if not affine:
        return [x], params
    return [x, draw(arrays(normalized, 0.5, 1.5)), draw(arrays(normalized))], params


@st.composite
def group_norm_args(draw):
    n, groups = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    c = groups * draw(st.integers(1, 2))
    shape = (n, c) + draw(st.sampled_from([(2,), (1, 2), (2, 2)]))
    x = draw(arrays(shape, unique=True, margin=0.05))
    return [x, draw(arrays((c,), 0.5, 1.5)), draw(arrays((c,)))], {"groups": groups}


def _layer_norm(x, *affine, k):
    return F.layer_norm(x, x.shape[x.ndim - k :], *affine)


ROWS = [
    Row("layer_norm", ("layer_norm",), _layer_norm, np_layer_norm, layer_norm_args()),
    Row(
        "layer_norm_no_affine",
        ("layer_norm",),
        _layer_norm,
        np_layer_norm,
        layer_norm_args(affine=False),
    ),
    Row(
        "group_norm",
        ("layer_norm", "reshape", "mul", "add"),
        lambda x, w, b, groups: F.group_norm(x, groups, w, b),
        np_group_norm,
        group_norm_args(),
    ),
]
