"""One row per registered op: how to call it, a NumPy reference, and where its inputs live.

``tests/test_ops.py`` walks the table: forward against the reference (float64 and float32),
VJPs against central finite differences, second order through gradgradcheck. A meta-test fails
when an op in ``tensorgrad.ops.REGISTRY`` has no row. Values are drawn away from kinks (abs,
relu, clamp) and distinct where ties matter (max), so finite differences are meaningful.
"""

from collections.abc import Callable
from dataclasses import dataclass

import conv_pool_rows as conv_rows
import numpy as np
import test_nn_reference as nn_ref
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensorgrad as tg
from tensorgrad.ops import elementwise as ew
from tensorgrad.testing import arrays, broadcastable_shapes, shapes
from tensorgrad.testing.device import TEST_DEVICE


@dataclass(frozen=True)
class Row:
    """``fn(*tensors, **params)`` should equal ``reference(*arrays, **params)``.

    ``args`` draws ``(list of input arrays, params dict)``; ``grad_inputs`` lists the inputs
    to differentiate (default: every floating input); ``ops`` names the registry entries the row
    exercises.
    """

    name: str
    ops: tuple[str, ...]
    fn: Callable
    reference: Callable
    args: st.SearchStrategy
    grad_inputs: tuple[int, ...] | None = None
    atol: float = 1e-5  # forward tolerance in float32 against the float64 reference


def no_params(inputs):
    return (list(inputs), {})


def unary(**domain) -> st.SearchStrategy:
    return shapes().flatmap(lambda s: arrays(s, **domain)).map(lambda a: ([a], {}))


def binary(domain_a: dict | None = None, domain_b: dict | None = None) -> st.SearchStrategy:
    return (
        broadcastable_shapes(2)
        .flatmap(
            lambda s: st.tuples(arrays(s[0], **(domain_a or {})), arrays(s[1], **(domain_b or {})))
        )
        .map(no_params)
    )


def grid_arrays(shape, offset: float) -> st.SearchStrategy:
    """Values k/10 + offset: two draws with offsets 0 and 0.05 never tie or come within 0.05."""
    return hnp.arrays(
        np.float64, shape, elements=st.integers(-20, 20).map(lambda k: k / 10 + offset)
    )  # noqa: E501


def untied_pair() -> st.SearchStrategy:
    return (
        broadcastable_shapes(2)
        .flatmap(lambda s: st.tuples(grid_arrays(s[0], 0.0), grid_arrays(s[1], 0.05)))
        .map(no_params)
    )


@st.composite
def with_dims(draw, min_dims=0, unique=False, single=False, keepdim=True, **domain):
    """An array and a ``dim`` (None, an int, or a tuple of axes) with ``keepdim``."""
    shape = draw(shapes(min_dims=max(min_dims, 1 if single else 0)))
    x = draw(arrays(shape, unique=unique, **domain))
    axes = list(range(len(shape)))
    if single:
        dim = draw(st.sampled_from(axes))
        dim = dim - len(shape) * draw(st.booleans())  # negative dims too
    elif not axes or draw(st.booleans()):
        dim = None
    else:
        dim = tuple(draw(st.lists(st.sampled_from(axes), min_size=1, unique=True)))
    params = {"dim": dim}
    if keepdim:
        params["keepdim"] = draw(st.booleans())
    return [x], params


def _np_axis(dim):
    return dim if dim is None or isinstance(dim, int) else tuple(dim)


def np_var(x, dim=None, keepdim=False):
    return np.var(x, axis=_np_axis(dim), ddof=1, keepdims=keepdim)


def np_logsumexp(x, dim=None, keepdim=False):
    m = np.max(x, axis=_np_axis(dim), keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=_np_axis(dim), keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=_np_axis(dim))


def np_log_softmax(x, dim):
    return x - np_logsumexp(x, dim, keepdim=True)


def np_sum_to(x, shape):
    lead = x.ndim - len(shape)
    x = x.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
    return x.sum(axis=axes, keepdims=True) if axes else x


@st.composite
def broadcast_pair(draw):
    """A shape and a shape it broadcasts to."""
    small, other = draw(broadcastable_shapes(2))
    return small, np.broadcast_shapes(small, other)


@st.composite
def along_index(draw, scatter=False):
    """An array, a dim, and an index of size 1 along that dim (one pick per slice, as max)."""
    shape = draw(shapes(min_dims=1))
    dim = draw(st.integers(0, len(shape) - 1))
    index_shape = shape[:dim] + (1,) + shape[dim + 1 :]
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[dim] - 1)))
    x = draw(arrays(index_shape if scatter else shape))
    params = {"index": index, "dim": dim}
    if scatter:
        params["shape"] = shape
    return [x], params


def np_scatter_along(src, index, dim, shape):
    out = np.zeros(shape, src.dtype)
    np.put_along_axis(out, index, src, axis=dim)
    return out


@st.composite
def index_keys(draw, shape):
    """Index keys mixing ints, slices, None, Ellipsis, integer arrays (with repeats) and masks."""
    kind = draw(st.sampled_from(["basic", "array", "mask"]))
    if kind == "mask":
        return draw(hnp.arrays(np.bool_, shape))
    key, length = [], draw(st.integers(1, 4))  # index arrays broadcast together: one length
    for n in shape:
        choice = draw(
            st.sampled_from(
                ["slice", "int", "none", "array"] if kind == "array" else ["slice", "int", "none"]
            )
        )
        if choice == "slice":
            start = draw(st.integers(-n, n))
            key.append(slice(start, draw(st.integers(-n, n)), draw(st.sampled_from([1, 2, -1]))))
        elif choice == "int":
            key.append(draw(st.integers(-n, n - 1)))
        elif choice == "none":
            key.extend([None, slice(None)])
        else:
            key.append(draw(hnp.arrays(np.int64, length, elements=st.integers(-n, n - 1))))
    if draw(st.booleans()) and len(key) > 1:
        key = [Ellipsis] + key[1:]
    return tuple(key)


@st.composite
def indexed(draw, put=False):
    shape = draw(shapes(min_dims=1))
    key = draw(index_keys(shape))
    x = np.zeros(shape)
    if put:
        src = draw(arrays(x[key].shape))
        return [src], {"key": key, "shape": shape}
    return [draw(arrays(shape))], {"key": key}


def np_getitem(x, key):
    """``x[key]`` by PyTorch's rule (``tensorgrad.functions.getitem``): with index arrays in
    the key its ints select first, where NumPy would broadcast them with the arrays as more
    advanced indices (``x[0, :, [0, 1]]`` of a (3, 4, 5): (4, 2), NumPy's (2, 4))."""
    key = key if isinstance(key, tuple) else (key,)
    ints = [isinstance(k, int) for k in key]
    if not any(ints) or not any(isinstance(k, np.ndarray) for k in key):
        return x[key]
    selected = x[tuple(k if k is None or k is Ellipsis or i else slice(None)
                       for k, i in zip(key, ints))]  # fmt: skip
    return selected[tuple(slice(None) if k is None else k for k, i in zip(key, ints) if not i)]


def np_index_put(src, key, shape):
    out = np.zeros(shape, src.dtype)
    np.add.at(out, key, src)
    return out


@st.composite
def concatenable(draw, same_shape=False):
    shape = draw(shapes(min_dims=1))
    dim = draw(st.integers(0, len(shape) - 1))
    count = draw(st.integers(1, 3))
    sizes = [shape[dim] if same_shape else draw(st.integers(1, 3)) for _ in range(count)]
    xs = [draw(arrays(shape[:dim] + (n,) + shape[dim + 1 :])) for n in sizes]
    return xs, {"dim": dim}


@st.composite
def padded(draw):
    shape = draw(shapes(min_dims=1))
    pairs = draw(st.integers(1, len(shape)))
    pad = tuple(draw(st.integers(0, 2)) for _ in range(2 * pairs))
    return [draw(arrays(shape))], {"pad": pad, "value": draw(st.sampled_from([0.0, -1.5]))}


def np_pad(x, pad, value):
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)][::-1]
    return np.pad(x, [(0, 0)] * (x.ndim - len(pairs)) + pairs, constant_values=value)


@st.composite
def permuted(draw):
    shape = draw(shapes())
    return [draw(arrays(shape))], {"order": tuple(draw(st.permutations(range(len(shape)))))}


@st.composite
def reshaped(draw):
    shape = draw(shapes())
    target = draw(st.sampled_from([shape[::-1], (-1,), (int(np.prod(shape)), 1)]))
    return [draw(arrays(shape))], {"shape": target}


# -- core rows -------------------------------------------------------------------------------
ROWS: list[Row] = [
    Row("add", ("add",), lambda a, b: a + b, np.add, binary()),
    Row("sub", ("sub",), lambda a, b: a - b, np.subtract, binary()),
    Row("mul", ("mul",), lambda a, b: a * b, np.multiply, binary()),
    Row(
        "div",
        ("div",),
        lambda a, b: a / b,
        np.divide,
        binary(domain_b={"away_from": (0.0,), "margin": 0.5}),
    ),
    Row("neg", ("neg",), lambda a: -a, np.negative, unary()),
    Row("pow", ("pow",), lambda a, b: a**b, np.power, binary({"low": 0.5, "high": 2.0})),
    Row(
        "pow_scalar",
        ("pow_scalar",),
        lambda a, exponent: a**exponent,
        lambda a, exponent: a**exponent,
        shapes()
        .flatmap(
            lambda s: st.tuples(
                arrays(s, low=0.5, high=2.0), st.sampled_from([-1.5, -1, 0, 0.5, 1, 2, 3])
            )
        )
        .map(lambda t: ([t[0]], {"exponent": t[1]})),
    ),
    Row(
        "rpow_scalar",
        ("rpow_scalar",),
        lambda a, base: base**a,
        lambda a, base: base**a,
        shapes()
        .flatmap(lambda s: st.tuples(arrays(s), st.sampled_from([0.5, 2.0, 3.0])))
        .map(lambda t: ([t[0]], {"base": t[1]})),
    ),
    Row("exp", ("exp",), tg.exp, np.exp, unary()),
    Row("log", ("log",), tg.log, np.log, unary(low=0.2, high=3.0)),
    Row("sqrt", ("sqrt",), tg.sqrt, np.sqrt, unary(low=0.2, high=3.0)),
    Row("abs", ("abs",), tg.abs, np.abs, unary(away_from=(0.0,))),
    Row("tanh", ("tanh",), tg.tanh, np.tanh, unary()),
    Row("sigmoid", ("sigmoid",), tg.sigmoid, lambda a: 1 / (1 + np.exp(-a)), unary(low=-6, high=6)),
    Row("relu", ("relu",), tg.relu, lambda a: np.maximum(a, 0), unary(away_from=(0.0,))),
    Row(
        "clamp",
        ("clamp",),
        tg.clamp,
        np.clip,
        shapes()
        .flatmap(lambda s: arrays(s, away_from=(-0.5, 1.0)))
        .flatmap(
            lambda a: st.sampled_from([(-0.5, 1.0), (None, 1.0), (-0.5, None)]).map(
                lambda mm: ([a], {"min": mm[0], "max": mm[1]})
            )
        ),
    ),
    Row("maximum", ("maximum",), tg.maximum, np.maximum, untied_pair()),
    Row("minimum", ("minimum",), tg.minimum, np.minimum, untied_pair()),
    Row(
        "where",
        ("where",),
        tg.where,
        np.where,
        broadcastable_shapes(3)
        .flatmap(lambda s: st.tuples(hnp.arrays(np.bool_, s[0]), arrays(s[1]), arrays(s[2])))
        .map(no_params),
        grad_inputs=(1, 2),
    ),
    Row("to", ("to",), lambda a: ew.TO(a, dtype=a.dtype), lambda a: a.copy(), unary()),
    Row(
        "to_device", ("to_device", "exp"), lambda a: a.to(TEST_DEVICE).exp().cpu(), np.exp,
        unary(),
    ),
    Row(
        "matmul",
        ("matmul",),
        tg.matmul,
        np.matmul,
        st.tuples(
            broadcastable_shapes(2, max_dims=2, max_side=3),
            st.integers(1, 3),
            st.integers(1, 3),
            st.integers(1, 3),
        )
        .flatmap(
            lambda t: st.tuples(arrays(t[0][0] + (t[1], t[2])), arrays(t[0][1] + (t[2], t[3])))
        )
        .map(no_params),
    ),
    Row(
        "matmul_vectors",
        ("matmul", "reshape"),
        tg.matmul,
        np.matmul,
        st.tuples(st.integers(1, 4), st.integers(1, 3), st.sampled_from(["vv", "mv", "vm"]))
        .flatmap(
            lambda t: st.tuples(
                arrays((t[0],) if t[2][0] == "v" else (t[1], t[0])),
                arrays((t[0],) if t[2][1] == "v" else (t[0], t[1])),
            )
        )
        .map(no_params),
    ),
    # reductions
    Row(
        "sum",
        ("sum", "expand"),
        tg.sum,
        lambda x, dim, keepdim: np.sum(x, axis=_np_axis(dim), keepdims=keepdim),
        with_dims(),
    ),
    Row(
        "mean",
        ("sum", "div"),
        tg.mean,
        lambda x, dim, keepdim: np.mean(x, axis=_np_axis(dim), keepdims=keepdim),
        with_dims(),
    ),
    Row(
        "var",
        ("sum", "sub", "mul"),
        tg.var,
        np_var,
        with_dims(min_dims=1).filter(
            lambda a: (
                (
                    a[0][0].size
                    if a[1]["dim"] is None
                    else np.prod([a[0][0].shape[d] for d in a[1]["dim"]])
                )
                > 1
            )
        ),
    ),
    Row(
        "std",
        ("sqrt",),
        tg.std,
        lambda x, dim, keepdim: np.sqrt(np_var(x, dim, keepdim)),
        with_dims(min_dims=1, unique=True).filter(
            lambda a: (
                (
                    a[0][0].size
                    if a[1]["dim"] is None
                    else np.prod([a[0][0].shape[d] for d in a[1]["dim"]])
                )
                > 1
            )
        ),
    ),
    Row(
        "max_dim",
        ("max", "scatter_along", "unsqueeze"),
        lambda x, dim, keepdim: tg.max(x, dim, keepdim).values,
        lambda x, dim, keepdim: np.max(x, axis=dim, keepdims=keepdim),
        with_dims(single=True, unique=True),
    ),
    Row(
        "min_dim",
        ("max",),
        lambda x, dim, keepdim: tg.min(x, dim, keepdim).values,
        lambda x, dim, keepdim: np.min(x, axis=dim, keepdims=keepdim),
        with_dims(single=True, unique=True),
    ),
    Row(
        "max_all",
        ("max", "reshape"),
        tg.max,
        np.max,
        shapes().flatmap(lambda s: arrays(s, unique=True)).map(lambda a: ([a], {})),
    ),
    Row(
        "logsumexp",
        ("logsumexp",),
        tg.logsumexp,
        np_logsumexp,
        with_dims(min_dims=1).filter(lambda a: a[1]["dim"] is not None),
    ),
    Row(
        "log_softmax",
        ("log_softmax",),
        tg.log_softmax,
        np_log_softmax,
        with_dims(single=True, keepdim=False),
    ),
    Row(
        "softmax",
        ("softmax",),
        tg.softmax,
        lambda x, dim: np.exp(np_log_softmax(x, dim)),
        with_dims(single=True, keepdim=False),
    ),
    # --- rows: core shape ops (lead) ---
    Row(
        "sum_to",
        ("sum_to", "expand"),
        lambda x, shape: x.sum_to(shape),
        np_sum_to,
        broadcast_pair().flatmap(lambda p: arrays(p[1]).map(lambda x: ([x], {"shape": p[0]}))),
    ),
    Row(
        "expand",
        ("expand", "sum_to"),
        lambda x, shape: x.expand(shape),
        lambda x, shape: np.broadcast_to(x, shape),
        broadcast_pair().flatmap(lambda p: arrays(p[0]).map(lambda x: ([x], {"shape": p[1]}))),
    ),
    Row(
        "take_along",
        ("take_along", "scatter_along"),
        tg.Tensor.take_along,
        lambda x, index, dim: np.take_along_axis(x, index, dim),
        along_index(),
    ),
    Row(
        "scatter_along",
        ("scatter_along", "take_along"),
        tg.Tensor.scatter_along,
        np_scatter_along,
        along_index(scatter=True),
    ),
    Row("reshape", ("reshape",), lambda x, shape: x.reshape(shape), np.reshape, reshaped()),
    Row(
        "permute",
        ("permute",),
        lambda x, order: x.permute(order),
        lambda x, order: np.transpose(x, order),
        permuted(),
    ),
    Row(
        "transpose",
        ("permute",),
        lambda x: x.transpose(0, -1),
        lambda x: np.swapaxes(x, 0, -1),
        unary().filter(lambda a: a[0][0].ndim > 0),
    ),
    Row(
        "flatten",
        ("reshape",),
        lambda x: x.flatten(1),
        lambda x: x.reshape(x.shape[0], -1),
        unary().filter(lambda a: a[0][0].ndim > 1),
    ),
    Row(
        "squeeze_unsqueeze",
        ("reshape",),
        lambda x: x.squeeze().unsqueeze(0),
        lambda x: np.squeeze(x)[None],
        unary(),
    ),
    Row(
        "index",
        ("index", "index_put_zeros"),
        lambda x, key: x[key],
        np_getitem,
        indexed(),
    ),
    Row(
        "index_put_zeros",
        ("index_put_zeros", "index"),
        tg.Tensor.index_put_zeros,
        np_index_put,
        indexed(put=True),
    ),
    Row(
        "cat",
        ("cat", "index"),
        lambda *xs, dim: tg.cat(xs, dim),
        lambda *xs, dim: np.concatenate(xs, dim),
        concatenable(),
    ),
    Row(
        "stack",
        ("cat", "reshape"),
        lambda *xs, dim: tg.stack(xs, dim),
        lambda *xs, dim: np.stack(xs, dim),
        concatenable(same_shape=True),
    ),
    Row("pad", ("pad", "index"), tg.functions.pad, np_pad, padded()),
    # --- rows: conv/pool (kernels helper) ---
    # adapters and strategies in tests/conv_pool_rows.py, loop references in conv_pool_reference.py
    Row(
        "conv2d",
        ("conv2d", "conv2d_input_grad", "conv2d_weight_grad", "add", "reshape"),
        conv_rows.tg_conv2d,
        conv_rows.row_conv2d,
        conv_rows.STRATEGIES["conv2d"],
        atol=1e-4,
    ),
    Row(
        "conv2d_input_grad",
        ("conv2d_input_grad", "conv2d", "conv2d_weight_grad"),
        conv_rows.tg_conv_input_grad,
        conv_rows.row_conv_input_grad,
        conv_rows.STRATEGIES["conv2d_input_grad"],
        atol=1e-4,
    ),
    Row(
        "conv2d_weight_grad",
        ("conv2d_weight_grad", "conv2d", "conv2d_input_grad"),
        conv_rows.tg_conv_weight_grad,
        conv_rows.row_conv_weight_grad,
        conv_rows.STRATEGIES["conv2d_weight_grad"],
        atol=1e-4,
    ),
    Row(
        "max_pool2d",
        ("max_pool2d", "max_pool2d_scatter", "max_pool2d_gather"),
        conv_rows.tg_max_pool2d,
        conv_rows.row_max_pool2d,
        conv_rows.STRATEGIES["max_pool2d"],
    ),
    Row(
        "max_pool2d_relu",
        ("max_pool2d", "mul"),
        conv_rows.tg_max_pool2d,
        conv_rows.row_max_pool2d,
        conv_rows.STRATEGIES["max_pool2d_relu"],
    ),
    Row(
        "max_pool2d_scatter",
        ("max_pool2d_scatter", "max_pool2d_gather"),
        conv_rows.tg_pool_op("max_pool2d_scatter"),
        conv_rows.row_max_pool2d_scatter,
        conv_rows.STRATEGIES["max_pool2d_scatter"],
    ),
    Row(
        "max_pool2d_gather",
        ("max_pool2d_gather", "max_pool2d_scatter"),
        conv_rows.tg_pool_op("max_pool2d_gather"),
        conv_rows.row_max_pool2d_gather,
        conv_rows.STRATEGIES["max_pool2d_gather"],
    ),
    Row(
        "avg_pool2d",
        ("avg_pool2d", "avg_pool2d_backward"),
        conv_rows.tg_avg_pool2d,
        conv_rows.row_avg_pool2d,
        conv_rows.STRATEGIES["avg_pool2d"],
    ),
    Row(
        "avg_pool2d_backward",
        ("avg_pool2d_backward", "avg_pool2d"),
        conv_rows.tg_pool_op("avg_pool2d_backward"),
        conv_rows.row_avg_pool2d_backward,
        conv_rows.STRATEGIES["avg_pool2d_backward"],
    ),
    # --- rows: nn (nn helper) ---
    # references and strategies live in tests/test_nn_reference.py (checked there by hand)
    Row(
        "cross_entropy_soft",
        ("cross_entropy",),
        lambda x, q: tg.nn.functional.cross_entropy(x, q, reduction="none"),
        nn_ref.np_soft_cross_entropy,
        nn_ref.soft_cross_entropy_args(),
    ),
    Row(
        "cross_entropy",
        ("cross_entropy", "sum", "div"),
        lambda x, t, w, **p: tg.nn.functional.cross_entropy(x, t, w, **p),
        nn_ref.np_cross_entropy,
        nn_ref.class_target_args(),
        grad_inputs=(0,),
    ),
    Row(
        "nll_loss",
        ("take_along", "reshape", "mul", "sum", "div"),
        lambda x, t, w, **p: tg.nn.functional.nll_loss(x, t, w, **p),
        nn_ref.np_nll_loss,
        nn_ref.class_target_args(smoothing=False),
        grad_inputs=(0,),
    ),
    Row(
        "batch_norm",
        ("batch_norm",),
        lambda x, w, b: tg.nn.functional.batch_norm(x, None, None, w, b, training=True),
        nn_ref.np_batch_norm,
        nn_ref.batch_norm_args(),
    ),
    Row(
        "batch_norm_no_affine",
        ("batch_norm",),
        lambda x: tg.nn.functional.batch_norm(x, None, None, training=True),
        nn_ref.np_batch_norm_plain,
        nn_ref.batch_norm_args(affine=False),
    ),
    Row(
        "linear",
        ("linear", "matmul", "permute", "reshape", "sum"),
        tg.nn.functional.linear,
        lambda x, w, b: x @ w.T + b,
        nn_ref.linear_args(),
    ),
    Row(
        "linear_no_bias",
        ("linear", "matmul", "permute", "reshape"),
        tg.nn.functional.linear,
        lambda x, w: x @ w.T,
        nn_ref.linear_args().map(lambda a: (a[0][:2], a[1])),
    ),
    Row(
        "mse_loss",
        ("sub", "mul", "sum", "div"),
        tg.nn.functional.mse_loss,
        nn_ref.np_mse,
        nn_ref.mse_args(),
    ),
]

# --- rows: issue 13 (math, activations, einsum, indexing, losses) ---
# strategies and NumPy references in tests/issue13_rows.py
from issue13_rows import ROWS as ISSUE13_ROWS  # noqa: E402

ROWS += ISSUE13_ROWS

# --- rows: issue 17 (the everyday API: rounding, division, scans, diagonals, pad modes,
# interpolate, normalize, celu); strategies and NumPy references in tests/issue17_rows.py
from issue17_rows import ROWS as ISSUE17_ROWS  # noqa: E402

ROWS += ISSUE17_ROWS

# --- rows: issue 13 layers (2): the fused recurrences; references in tests/layers2_rows.py
from layers2_rows import ROWS as LAYERS2_ROWS  # noqa: E402

ROWS += LAYERS2_ROWS

# --- rows: issue 13's layers (the layer-norm primitive); in tests/layers13_rows.py
from layers13_rows import ROWS as LAYERS13_ROWS  # noqa: E402

ROWS += LAYERS13_ROWS

# --- rows: issue 13's unfold and fold; in tests/unfold_rows.py
from unfold_rows import ROWS as UNFOLD_ROWS  # noqa: E402

ROWS += UNFOLD_ROWS

# --- rows: the packed self-attention primitive; in tests/attention_rows.py
from attention_rows import ROWS as ATTENTION_ROWS  # noqa: E402

ROWS += ATTENTION_ROWS

# --- rows: issue 17, more of the everyday API (log1p, expm1, inverse trigonometric and
# hyperbolic functions, atan2, hypot, amax, clone, composites); in tests/issue17_more_rows.py
from issue17_more_rows import ROWS as ISSUE17_MORE_ROWS  # noqa: E402

ROWS += ISSUE17_MORE_ROWS
