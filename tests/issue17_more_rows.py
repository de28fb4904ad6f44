"""Op-table rows of issue 17's second part, more of the everyday API: log1p/expm1, the inverse
trigonometric and the hyperbolic functions, atan2, hypot, amax/amin, clone/contiguous, and
the composites lerp, addcmul/addcdiv, logit, addmm, tensordot, kron, cross, index_add,
scatter and take_along_dim.

Appended to ``tests/op_table.py``'s ROWS; each reference is NumPy's.
"""

import math

import numpy as np
from hypothesis import strategies as st
from op_table import Row, binary, unary, with_dims

import tensorgrad as tg
from tensorgrad.testing import arrays, broadcastable_shapes, shapes

ROWS: list[Row] = []


def _away_from_zero(**domain):
    return {"away_from": (0.0,), "margin": 0.2, **domain}


@st.composite
def _matrix(draw, min_side=1):
    rows, cols = draw(st.integers(min_side, 3)), draw(st.integers(min_side, 3))
    return [draw(arrays((rows, cols)))], {}


@st.composite
def _addmm_args(draw):
    n, m, p = (draw(st.integers(1, 3)) for _ in range(3))
    bias_shape = draw(st.sampled_from([(n, p), (p,), (1, p), ()]))
    params = {"beta": draw(st.sampled_from([1, 0.5])), "alpha": draw(st.sampled_from([1, -2.0]))}
    return [draw(arrays(bias_shape)), draw(arrays((n, m))), draw(arrays((m, p)))], params


def _np_addmm(b, x, y, beta, alpha):
    return beta * b + alpha * (x @ y)


@st.composite
def _tensordot_args(draw):
    a_shape = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    k = draw(st.integers(0, len(a_shape)))
    tail = draw(shapes(min_dims=0, max_dims=2, max_side=3))
    b_shape = a_shape[len(a_shape) - k :] + tail
    return [draw(arrays(a_shape)), draw(arrays(b_shape))], {"dims": k}


def _np_tensordot(a, b, dims):
    return np.tensordot(a, b, axes=dims)


@st.composite
def _pair_of_shapes(draw, max_dims=2):
    a = draw(shapes(min_dims=1, max_dims=max_dims, max_side=3))
    b = draw(shapes(min_dims=1, max_dims=max_dims, max_side=3))
    return [draw(arrays(a)), draw(arrays(b))], {}


@st.composite
def _cross_args(draw):
    shape_a, shape_b = draw(broadcastable_shapes(2, min_dims=0, max_dims=2, max_side=3))
    dim = draw(st.integers(0, 2))
    full = list(np.broadcast_shapes(shape_a, shape_b))
    while len(full) <= dim:
        full.insert(0, 1)
    full[dim] = 3
    shape = tuple(full)
    return [draw(arrays(shape)), draw(arrays(shape[dim:]))], {"dim": dim}


def _np_cross(a, b, dim):
    a, b = np.broadcast_arrays(a, b)
    return np.cross(a, b, axis=dim)


@st.composite
def _index_add_args(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    dim = draw(st.integers(0, len(shape) - 1))
    index = draw(st.lists(st.integers(0, shape[dim] - 1), min_size=1, max_size=4))
    source_shape = shape[:dim] + (len(index),) + shape[dim + 1 :]
    return [draw(arrays(shape)), draw(arrays(source_shape))], {
        "dim": dim, "index": np.array(index), "alpha": draw(st.sampled_from([1, 0.5])),
    }  # fmt: skip


def _np_index_add(x, source, dim, index, alpha):
    out = x.copy()
    moved = np.moveaxis(out, dim, 0)
    np.add.at(moved, index, alpha * np.moveaxis(source, dim, 0))
    return out


def _index_add(x, source, dim, index, alpha):
    return tg.index_add(x, dim, tg.tensor(index), source, alpha=alpha)


@st.composite
def _scatter_args(draw):
    """Distinct targets along dim (a permutation's first k): scatter's value is defined."""
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    dim = draw(st.integers(0, len(shape) - 1))
    k = draw(st.integers(1, shape[dim]))
    index_shape = shape[:dim] + (k,) + shape[dim + 1 :]
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    index = np.argsort(rng.random(shape), axis=dim).take(range(k), axis=dim)
    return [draw(arrays(shape)), draw(arrays(index_shape))], {"dim": dim, "index": index}


def _np_scatter(x, src, dim, index):
    out = x.copy()
    np.put_along_axis(out, index, src, axis=dim)
    return out


def _scatter(x, src, dim, index):
    return tg.scatter(x, dim, tg.tensor(index), src)


@st.composite
def _take_along_args(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    dim = draw(st.integers(0, len(shape) - 1))
    k = draw(st.integers(1, 4))
    index_shape = tuple(
        k if d == dim else draw(st.sampled_from([1, n])) for d, n in enumerate(shape)
    )
    index = np.asarray(draw(st.lists(st.integers(0, shape[dim] - 1), min_size=1, max_size=1)))
    rng = np.random.default_rng(int(index[0]) + 7 * k)
    index = rng.integers(0, shape[dim], size=index_shape)
    return [draw(arrays(shape))], {"dim": dim, "indices": index}


def _np_take_along(x, dim, indices):
    outer = np.broadcast_shapes(
        tuple(n for d, n in enumerate(x.shape) if d != dim),
        tuple(n for d, n in enumerate(indices.shape) if d != dim),
    )
    outer = list(outer)
    x = np.broadcast_to(x, tuple(outer[:dim] + [x.shape[dim]] + outer[dim:]))
    indices = np.broadcast_to(indices, tuple(outer[:dim] + [indices.shape[dim]] + outer[dim:]))
    return np.take_along_axis(x, indices, axis=dim)


def _take_along(x, dim, indices):
    return tg.take_along_dim(x, tg.tensor(indices), dim)


def _amax_row(largest: bool):
    def call(x, dim, keepdim):
        f = tg.amax if largest else tg.amin
        return f(x, () if dim is None else dim, keepdim)

    def reference(x, dim, keepdim):
        return (np.max if largest else np.min)(x, axis=dim, keepdims=keepdim)

    return call, reference


def _np_lerp(a, b, w):
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


@st.composite
def _lerp_args(draw):
    shape_a, shape_b, shape_w = draw(broadcastable_shapes(3))
    w = draw(arrays(shape_w, low=-1.0, high=2.0, away_from=(-0.5, 0.5), margin=0.05))
    return [draw(arrays(shape_a)), draw(arrays(shape_b)), w], {}


@st.composite
def _triple(draw, third_away_from_zero=False):
    shape_a, shape_b, shape_c = draw(broadcastable_shapes(3))
    third = _away_from_zero() if third_away_from_zero else {}
    params = {"value": draw(st.sampled_from([1, 0.5, -2.0]))}
    return [draw(arrays(shape_a)), draw(arrays(shape_b)), draw(arrays(shape_c, **third))], params


def _erfinv_by_bisection(value: float) -> float:
    low, high = -6.0, 6.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if math.erf(middle) < value else (low, middle)
    return (low + high) / 2


_np_erfinv = np.vectorize(_erfinv_by_bisection, otypes=[np.float64])


ROWS += [
    Row("erfinv", ("erfinv",), tg.erfinv, _np_erfinv, unary(low=-0.95, high=0.95)),
    Row("log1p", ("log1p",), tg.log1p, np.log1p, unary(low=-0.5, high=2.0)),
    Row("expm1", ("expm1",), tg.expm1, np.expm1, unary()),
    Row("asin", ("asin",), tg.asin, np.arcsin, unary(low=-0.9, high=0.9)),
    Row("acos", ("acos",), tg.acos, np.arccos, unary(low=-0.9, high=0.9)),
    Row("atan", ("atan",), tg.atan, np.arctan, unary()),
    Row("sinh", ("sinh", "cosh"), tg.sinh, np.sinh, unary()),
    Row("cosh", ("cosh", "sinh"), tg.cosh, np.cosh, unary()),
    Row("asinh", ("asinh",), tg.asinh, np.arcsinh, unary()),
    Row("acosh", ("acosh",), tg.acosh, np.arccosh, unary(low=1.2, high=3.0)),
    Row("atanh", ("atanh",), tg.atanh, np.arctanh, unary(low=-0.9, high=0.9)),
    Row("tan", ("sin", "cos", "div"), tg.tan, np.tan, unary(low=-1.2, high=1.2)),
    Row("clone", ("clone",), tg.clone, np.copy, unary()),
    Row(
        "contiguous",
        ("contiguous", "permute"),
        lambda x: x.t().contiguous(),
        lambda x: np.ascontiguousarray(x.T),
        _matrix(min_side=2),
    ),
    Row("atan2", ("atan2",), tg.atan2, np.arctan2, binary(_away_from_zero(), _away_from_zero())),
    Row("hypot", ("hypot",), tg.hypot, np.hypot, binary(_away_from_zero(), _away_from_zero())),
    Row("amax", ("amax",), *_amax_row(True), with_dims(unique=True)),
    Row("amin", ("amax",), *_amax_row(False), with_dims(unique=True)),
    Row("lerp", ("sub", "mul", "add", "where"), tg.lerp, _np_lerp, _lerp_args()),
    Row(
        "addcmul",
        ("mul", "add"),
        tg.addcmul,
        lambda a, b, c, value: a + value * b * c,
        _triple(),
    ),
    Row(
        "addcdiv",
        ("div", "mul", "add"),
        tg.addcdiv,
        lambda a, b, c, value: a + value * b / c,
        _triple(third_away_from_zero=True),
    ),
    Row(
        "logit",
        ("div", "sub", "log"),
        tg.logit,
        lambda x: np.log(x / (1 - x)),
        unary(low=0.1, high=0.9),
    ),
    Row("rsqrt", ("sqrt", "div"), tg.rsqrt, lambda x: 1 / np.sqrt(x), unary(low=0.2, high=3.0)),
    Row("addmm", ("matmul", "mul", "add"), tg.addmm, _np_addmm, _addmm_args()),
    Row("tensordot", ("einsum",), tg.tensordot, _np_tensordot, _tensordot_args()),
    Row("kron", ("reshape", "mul"), tg.kron, np.kron, _pair_of_shapes()),
    Row("cross", ("index", "mul", "sub", "cat", "expand"), tg.cross, _np_cross, _cross_args()),
    Row(
        "index_add",
        ("index_put_zeros", "add", "mul"),
        _index_add,
        _np_index_add,
        _index_add_args(),
    ),
    Row("scatter", ("index", "where", "reshape"), _scatter, _np_scatter, _scatter_args()),
    Row("take_along_dim", ("expand", "index"), _take_along, _np_take_along, _take_along_args()),
]
