"""Op-table rows of issue 13: math and activations, einsum, indexing and shape, losses.

Appended to ``tests/op_table.py``'s ROWS; each row's NumPy reference is written independently
of tensorgrad (np.einsum, np.take_along_axis, np.add.at, math.erf, ...).
"""

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_table import Row, no_params, unary, with_dims

import tensorgrad as tg
from tensorgrad.testing import arrays, broadcastable_shapes, shapes

F = tg.nn.functional
np_erf = np.vectorize(math.erf, otypes=[np.float64])


# -- activations -----------------------------------------------------------------------------
def np_softplus(x, beta, threshold):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def np_gelu(x):
    return 0.5 * x * (1 + np_erf(x / math.sqrt(2)))


def np_gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def softplus_args():
    return st.sampled_from([(1.0, 20.0), (2.0, 1.0), (0.5, 0.5)]).flatmap(
        lambda bt: (
            shapes()
            .flatmap(lambda s: arrays(s, -3, 3, away_from=(bt[1] / bt[0],)))
            .map(lambda a: ([a], {"beta": bt[0], "threshold": bt[1]}))
        )
    )


# -- norm ------------------------------------------------------------------------------------
@st.composite
def norm_args(draw):
    """Distinct |x| away from 0 (abs's kink, ties of the inf-norm), a p and dims."""
    shape = draw(shapes(min_dims=1))
    size = int(np.prod(shape))
    magnitudes = draw(arrays(shape, 0.2, 2.0, unique=True))
    signs = draw(hnp.arrays(np.bool_, shape))
    x = np.where(signs, magnitudes, -magnitudes)
    p = draw(st.sampled_from([1, 2, 3, 0.5, math.inf, -math.inf, "fro", 0]))
    axes = list(range(len(shape)))
    dim = (
        None
        if draw(st.booleans())
        else tuple(draw(st.permutations(axes))[: draw(st.integers(1, len(axes)))])
    )
    if p == "fro" and dim is not None and len(dim) > 2:
        dim = dim[:2]
    assert size >= 1
    return [x], {"p": p, "dim": dim, "keepdim": draw(st.booleans())}


def np_norm(x, p, dim, keepdim):
    axis = None if dim is None else tuple(dim)
    a = np.abs(x)
    if p in ("fro", 2):
        return np.sqrt((a * a).sum(axis=axis, keepdims=keepdim))
    if p == math.inf:
        return a.max(axis=axis, keepdims=keepdim)
    if p == -math.inf:
        return a.min(axis=axis, keepdims=keepdim)
    if p == 0:
        return (x != 0).sum(axis=axis, keepdims=keepdim).astype(x.dtype)
    return (a**p).sum(axis=axis, keepdims=keepdim) ** (1 / p)


# -- einsum ----------------------------------------------------------------------------------
EQUATIONS = [
    "ij,jk->ik", "bij,bjk->bik", "ii->i", "ii->", "ij->ji", "i,j->ij", "ij,ij->", "ij->j",
    "...ij,...jk->...ik", "ijk,ik->j", "ij", "ij,jk,kl->il", "iij->ji", "i,i", "ba,ab->",
]  # fmt: skip


@st.composite
def einsum_args(draw):
    equation = draw(st.sampled_from(EQUATIONS))
    letters = sorted(set(equation) - set(",->."))
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    batch = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    lhs = equation.split("->")[0]
    operands = []
    for sub in lhs.split(","):
        named = sub.replace("...", "")
        shape = (batch if "..." in sub else ()) + tuple(sizes[c] for c in named)
        operands.append(draw(arrays(shape)))
    return operands, {"equation": equation}


# -- indexing --------------------------------------------------------------------------------
@st.composite
def gather_args(draw, scatter=False):
    shape = draw(shapes(min_dims=1))
    dim = draw(st.integers(0, len(shape) - 1))
    index_shape = tuple(
        draw(st.integers(1, 4)) if d == dim else draw(st.integers(1, n))
        for d, n in enumerate(shape)
    )
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[dim] - 1)))
    x = draw(arrays(shape))
    if not scatter:
        return [x], {"dim": dim - len(shape) * draw(st.booleans()), "index": index}
    src_shape = tuple(n + draw(st.integers(0, 1)) for n in index_shape)
    return [x, draw(arrays(src_shape))], {"dim": dim, "index": index}


def _np_grid(index, dim):
    return tuple(
        index if d == dim else np.arange(n).reshape([n if e == d else 1 for e in range(index.ndim)])
        for d, n in enumerate(index.shape)
    )


def np_gather(x, dim, index):
    return x[_np_grid(index, dim % x.ndim)]


def np_scatter_add(x, src, dim, index):
    out = x.copy()
    np.add.at(out, _np_grid(index, dim), src[tuple(slice(0, n) for n in index.shape)])
    return out


@st.composite
def index_select_args(draw):
    shape = draw(shapes(min_dims=1))
    dim = draw(st.integers(0, len(shape) - 1))
    index = draw(
        hnp.arrays(np.int64, draw(st.integers(1, 4)), elements=st.integers(0, shape[dim] - 1))
    )
    return [draw(arrays(shape))], {"dim": dim, "index": index}


@st.composite
def masked_fill_args(draw):
    shape = draw(shapes())
    mask_shape = draw(st.sampled_from([shape, shape[1:], (1,) * len(shape)]))
    mask = draw(hnp.arrays(np.bool_, mask_shape))
    return [draw(arrays(shape))], {"mask": mask, "value": draw(st.sampled_from([0.0, -1.5]))}


@st.composite
def triangle_args(draw):
    shape = draw(shapes(min_dims=2))
    return [draw(arrays(shape))], {"diagonal": draw(st.integers(-2, 2))}


@st.composite
def split_args(draw, sections=False):
    shape = draw(shapes(min_dims=1))
    dim = draw(st.integers(0, len(shape) - 1))
    n = shape[dim]
    if sections:
        cuts = sorted(draw(st.lists(st.integers(0, n), max_size=2)))
        size = [b - a for a, b in zip([0] + cuts, cuts + [n])]
    else:
        size = draw(st.integers(1, n + 1))
    return [draw(arrays(shape))], {"size": size, "dim": dim}


def _weighted_cat(pieces, dim, cat):
    """Each piece times its position + 1, joined again: one output that tells pieces apart."""
    return cat([p * (i + 1.0) for i, p in enumerate(pieces)], dim)


def np_split(x, size, dim):
    n = x.shape[dim]
    sizes = size if isinstance(size, list) else [min(size, n - s) for s in range(0, n, size)]
    bounds = np.cumsum([0] + sizes)
    pieces = [np.take(x, range(a, b), axis=dim) for a, b in zip(bounds[:-1], bounds[1:])]
    return _weighted_cat(pieces, dim, np.concatenate)


@st.composite
def chunk_args(draw):
    shape = draw(shapes(min_dims=1))
    return [draw(arrays(shape))], {
        "chunks": draw(st.integers(1, 5)),
        "dim": draw(st.integers(0, len(shape) - 1)),
    }


def np_chunk(x, chunks, dim):
    return np_split(x, max(-(-x.shape[dim] // chunks), 1), dim)


@st.composite
def unbind_args(draw):
    shape = draw(shapes(min_dims=1))
    return [draw(arrays(shape))], {"dim": draw(st.integers(-len(shape), len(shape) - 1))}


def np_unbind(x, dim):
    """The slices along ``dim``, each times its position + 1, stacked again."""
    pieces = [np.take(x, i, axis=dim) for i in range(x.shape[dim])]
    return np.stack([p * (i + 1.0) for i, p in enumerate(pieces)], dim % x.ndim)


@st.composite
def repeat_args(draw):
    shape = draw(shapes(max_dims=2))
    sizes = tuple(draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 1)))
    return [draw(arrays(shape))], {"sizes": sizes}


@st.composite
def flip_args(draw):
    shape = draw(shapes(min_dims=1))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
    return [draw(arrays(shape))], {"dims": tuple(axes)}


@st.composite
def roll_args(draw):
    shape = draw(shapes(min_dims=1))
    if draw(st.booleans()):
        return [draw(arrays(shape))], {"shifts": draw(st.integers(-5, 5)), "dims": None}
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=2, unique=True))
    shifts = tuple(draw(st.integers(-5, 5)) for _ in axes)
    return [draw(arrays(shape))], {"shifts": shifts, "dims": tuple(axes)}


@st.composite
def topk_args(draw, sort=False):
    shape = draw(shapes(min_dims=1))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    x = draw(arrays(shape, unique=True))
    if sort:
        return [x], {"dim": dim, "descending": draw(st.booleans())}
    k = draw(st.integers(1, shape[dim]))
    return [x], {"k": k, "dim": dim, "largest": draw(st.booleans())}


def np_topk(x, k, dim, largest):
    order = np.argsort(-x if largest else x, axis=dim)
    return np.take_along_axis(x, np.take(order, range(k), axis=dim), dim)


def np_sort(x, dim, descending):
    out = np.sort(x, axis=dim)
    return np.flip(out, dim) if descending else out


# -- losses ----------------------------------------------------------------------------------
REDUCTIONS = st.sampled_from(["none", "sum", "mean"])


def _reduced(loss, reduction):
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


@st.composite
def bce_args(draw, logits=False):
    shape = draw(shapes(min_dims=1))
    x = draw(arrays(shape, -3, 3) if logits else arrays(shape, 0.05, 0.95))
    t = draw(arrays(shape, 0.0, 1.0))
    inputs = [x, t]
    params = {"reduction": draw(REDUCTIONS)}
    if draw(st.booleans()):
        inputs.append(draw(arrays(shape[1:], 0.2, 2.0)))
        params["with_weight"] = True
    if logits and draw(st.booleans()):
        inputs.append(draw(arrays(shape[-1:], 0.2, 3.0)))
        params["with_pos_weight"] = True
    return inputs, params


def tg_bce(x, t, *w, reduction, with_weight=False):
    return F.binary_cross_entropy(x, t, w[0] if w else None, reduction)


def np_bce(x, t, *w, reduction, with_weight=False):
    loss = -(t * np.log(x) + (1 - t) * np.log(1 - x))
    return _reduced(loss * w[0] if w else loss, reduction)


def tg_bce_logits(x, t, *extra, reduction, with_weight=False, with_pos_weight=False):
    extra = list(extra)
    w = extra.pop(0) if with_weight else None
    pw = extra.pop(0) if with_pos_weight else None
    return F.binary_cross_entropy_with_logits(x, t, w, reduction, pw)


def np_bce_logits(x, t, *extra, reduction, with_weight=False, with_pos_weight=False):
    extra = list(extra)
    w = extra.pop(0) if with_weight else 1.0
    pw = extra.pop(0) if with_pos_weight else 1.0
    p = 1 / (1 + np.exp(-x))
    loss = -(pw * t * np.log(p) + (1 - t) * np.log(1 - p)) * w
    return _reduced(loss, reduction)


@st.composite
def kl_div_args(draw, log_target=False):
    shape = draw(shapes(min_dims=1))
    x = draw(arrays(shape, -3, 0))
    t = draw(arrays(shape, -3, 0) if log_target else arrays(shape, 0.1, 1.0))
    reduction = draw(st.sampled_from(["none", "sum", "batchmean"]))
    return [x, t], {"reduction": reduction, "log_target": log_target}


def np_kl_div(x, t, reduction, log_target):
    loss = np.exp(t) * (t - x) if log_target else t * (np.log(t) - x)
    if reduction == "batchmean":
        return loss.sum() / x.shape[0]
    return _reduced(loss, reduction)


@st.composite
def smooth_l1_args(draw, huber=False):
    shape = draw(broadcastable_shapes(1, min_dims=0).map(lambda s: s[0]))
    limit = draw(st.sampled_from([0.5, 1.0] if huber else [0.0, 0.5, 1.0]))
    t = draw(arrays(shape))
    offset = draw(arrays(shape, -2.5, 2.5, away_from=(-limit, 0.0, limit), margin=0.05))
    key = "delta" if huber else "beta"
    return [t + offset, t], {"reduction": draw(REDUCTIONS), key: limit}


def np_smooth_l1(x, t, reduction, beta):
    d = np.abs(x - t)
    loss = d if beta == 0 else np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduced(loss, reduction)


def np_huber(x, t, reduction, delta):
    d = np.abs(x - t)
    return _reduced(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def _vector_pair(draw_shape):
    return draw_shape.flatmap(lambda s: st.tuples(*(arrays(n) for n in s))).map(no_params)


ROWS: list[Row] = [
    Row("sin", ("sin", "cos"), tg.sin, np.sin, unary(low=-3, high=3)),
    Row("cos", ("cos", "sin"), tg.cos, np.cos, unary(low=-3, high=3)),
    Row("erf", ("erf",), tg.erf, np_erf, unary(low=-4, high=4)),
    Row("softplus", ("softplus", "sigmoid", "where"), F.softplus, np_softplus, softplus_args()),
    Row(
        "leaky_relu",
        ("leaky_relu",),
        F.leaky_relu,
        lambda x, negative_slope: np.where(x > 0, x, negative_slope * x),
        shapes()
        .flatmap(lambda s: st.tuples(arrays(s, away_from=(0.0,)), st.sampled_from([0.01, 0.2])))
        .map(lambda t: ([t[0]], {"negative_slope": t[1]})),
    ),
    Row(
        "elu",
        ("elu",),
        F.elu,
        lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
        shapes()
        .flatmap(lambda s: st.tuples(arrays(s, away_from=(0.0,)), st.sampled_from([1.0, 0.5])))
        .map(lambda t: ([t[0]], {"alpha": t[1]})),
    ),
    Row("silu", ("sigmoid", "mul"), F.silu, lambda x: x / (1 + np.exp(-x)), unary()),
    Row("gelu", ("gelu", "erf"), F.gelu, np_gelu, unary(low=-3, high=3)),
    Row(
        "gelu_tanh",
        ("gelu", "tanh"),
        lambda x: F.gelu(x, approximate="tanh"),
        np_gelu_tanh,
        unary(low=-3, high=3),
    ),
    Row(
        "hardtanh",
        ("clamp", "where"),
        F.hardtanh,
        lambda x, min_val, max_val: np.clip(x, min_val, max_val),
        shapes()
        .flatmap(lambda s: arrays(s, away_from=(-1.0, 1.0, -0.5)))
        .flatmap(
            lambda a: st.sampled_from([(-1.0, 1.0), (-0.5, 1.0)]).map(
                lambda mm: ([a], {"min_val": mm[0], "max_val": mm[1]})
            )
        ),
    ),
    Row(
        "softsign",
        ("abs", "div"),
        F.softsign,
        lambda x: x / (1 + np.abs(x)),
        unary(away_from=(0.0,)),
    ),
    Row(
        "cumsum",
        ("cumsum", "sum"),
        tg.cumsum,
        lambda x, dim: np.cumsum(x, axis=dim),
        with_dims(single=True, keepdim=False),
    ),
    Row("norm", ("abs", "sum", "sqrt", "where", "max"), tg.norm, np_norm, norm_args()),
    Row(
        "einsum",
        ("einsum", "expand"),
        lambda *xs, equation: tg.einsum(equation, *xs),
        lambda *xs, equation: np.einsum(equation, *xs),
        einsum_args(),
    ),
    Row(
        "bmm",
        ("matmul",),
        tg.bmm,
        np.matmul,
        st.tuples(*[st.integers(1, 3)] * 4)
        .flatmap(lambda t: st.tuples(arrays(t[:3]), arrays((t[0], t[2], t[3]))))
        .map(no_params),
    ),
    Row(
        "outer",
        ("reshape", "mul"),
        tg.outer,
        np.outer,
        _vector_pair(
            st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda t: ((t[0],), (t[1],)))
        ),
    ),
    # indexing and shape
    Row(
        "gather",
        ("index", "index_put_zeros"),
        lambda x, dim, index: tg.gather(x, dim, tg.tensor(index)),
        np_gather,
        gather_args(),
    ),
    Row(
        "scatter_add",
        ("index_put_zeros", "index", "add"),
        lambda x, src, dim, index: tg.scatter_add(x, dim, index, src),
        np_scatter_add,
        gather_args(scatter=True),
    ),
    Row(
        "index_select",
        ("index", "index_put_zeros"),
        tg.index_select,
        lambda x, dim, index: np.take(x, index, axis=dim),
        index_select_args(),
    ),
    Row(
        "masked_fill",
        ("where",),
        lambda x, mask, value: x.masked_fill(tg.tensor(mask), value),
        lambda x, mask, value: np.where(mask, value, x),
        masked_fill_args(),
    ),
    Row("tril", ("where",), tg.tril, lambda x, diagonal: np.tril(x, diagonal), triangle_args()),
    Row("triu", ("where",), tg.triu, lambda x, diagonal: np.triu(x, diagonal), triangle_args()),
    Row(
        "split",
        ("index", "cat", "mul"),
        lambda x, size, dim: _weighted_cat(tg.split(x, size, dim), dim, tg.cat),
        np_split,
        st.one_of(split_args(), split_args(sections=True)),
    ),
    Row(
        "chunk",
        ("index", "cat"),
        lambda x, chunks, dim: _weighted_cat(tg.chunk(x, chunks, dim), dim, tg.cat),
        np_chunk,
        chunk_args(),
    ),
    Row(
        "unbind",
        ("index", "cat", "mul"),
        lambda x, dim: tg.stack([p * (i + 1.0) for i, p in enumerate(x.unbind(dim))], dim),
        np_unbind,
        unbind_args(),
    ),
    Row(
        "repeat",
        ("reshape", "expand"),
        lambda x, sizes: x.repeat(*sizes),
        lambda x, sizes: np.tile(x, sizes),
        repeat_args(),
    ),
    Row("flip", ("index",), tg.flip, lambda x, dims: np.flip(x, dims), flip_args()),
    Row(
        "roll",
        ("index",),
        tg.roll,
        lambda x, shifts, dims: np.roll(x, shifts, dims),
        roll_args(),
    ),
    Row(
        "topk",
        ("take_along", "scatter_along"),
        lambda x, **p: tg.topk(x, **p).values,
        np_topk,
        topk_args(),
    ),
    Row(
        "sort",
        ("take_along", "scatter_along"),
        lambda x, **p: tg.sort(x, **p).values,
        np_sort,
        topk_args(sort=True),
    ),
    # losses
    Row("binary_cross_entropy", ("log", "where", "clamp", "mul"), tg_bce, np_bce, bce_args()),
    Row(
        "binary_cross_entropy_with_logits",
        ("softplus", "mul", "add"),
        tg_bce_logits,
        np_bce_logits,
        bce_args(logits=True),
    ),
    Row("kl_div", ("log", "where", "mul", "sub"), F.kl_div, np_kl_div, kl_div_args()),
    Row(
        "kl_div_log_target",
        ("exp", "mul", "sub"),
        F.kl_div,
        np_kl_div,
        kl_div_args(log_target=True),
    ),
    Row(
        "smooth_l1_loss", ("abs", "where", "mul"), F.smooth_l1_loss, np_smooth_l1, smooth_l1_args()
    ),
    Row("huber_loss", ("abs", "where", "mul"), F.huber_loss, np_huber, smooth_l1_args(huber=True)),
]
