"""Op-table rows of issue 17, the everyday API: rounding and the rounding divisions,
remainders, log2/log10/exp2, prod and the scans, diagonals, and nn.functional's pad modes,
interpolate, normalize and celu.

Appended to ``tests/op_table.py``'s ROWS; each reference is NumPy's (np.round, np.fmod,
np.logaddexp.accumulate, np.diagonal, np.pad, ...) or, for interpolate, PyTorch's coordinate
formulas evaluated one output position at a time.
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_table import Row, grid_arrays, unary

import tensorgrad as tg
from tensorgrad.testing import arrays, broadcastable_shapes, shapes

ROWS: list[Row] = []


# --- rows: the everyday API (issue 17) ---
def _steps_away(*points, margin=0.05):
    """Arrays of any shape whose values keep ``margin`` from the steps of a rounding function."""
    return unary(away_from=points, margin=margin)


@st.composite
def _quotients(draw):
    """a = (k + 0.5) / 10 over b in {+-0.3, 0.6}: a / b keeps >= 1/6 from every integer."""
    shape_a, shape_b = draw(broadcastable_shapes(2))
    a = draw(grid_arrays(shape_a, 0.05))
    b = draw(hnp.arrays(np.float64, shape_b, elements=st.sampled_from([0.3, -0.3, 0.6])))
    return [a, b], {}


@st.composite
def _along_one_dim(draw, zeros=False, unique=False, keepdim=None):
    """An array with at least one dim and a ``dim`` (negative too); grid values hold zeros."""
    shape = draw(shapes(min_dims=1))
    x = draw(grid_arrays(shape, 0.0)) if zeros else draw(arrays(shape, unique=unique))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    params = {"dim": dim} if keepdim is None else {"dim": dim, "keepdim": draw(st.booleans())}
    return [x], params


@st.composite
def _diagonals(draw):
    shape = draw(shapes(min_dims=2))
    dim1, dim2 = draw(st.permutations(range(len(shape))))[:2]
    return [draw(arrays(shape))], {
        "offset": draw(st.integers(-2, 2)), "dim1": dim1 - len(shape) * draw(st.booleans()),
        "dim2": dim2,
    }  # fmt: skip


def _np_cum_extreme(largest):
    def reference(x, dim):
        return (np.maximum if largest else np.minimum).accumulate(x, axis=dim)

    return reference


def _np_logcumsumexp(x, dim):
    return np.logaddexp.accumulate(x, axis=dim)


def _np_diag(x, diagonal):
    return np.diag(x, diagonal)


ROWS += [
    Row("round", ("round",), tg.round, np.round, _steps_away(-1.5, -0.5, 0.5, 1.5)),
    Row(
        "round_decimals",
        ("round",),
        lambda x: tg.round(x, decimals=1),
        lambda x: np.round(x, 1),
        shapes().flatmap(lambda s: grid_arrays(s, 0.02)).map(lambda a: ([a], {})),
    ),
    Row("floor", ("floor",), tg.floor, np.floor, _steps_away(-2, -1, 0, 1, 2)),
    Row("ceil", ("ceil",), tg.ceil, np.ceil, _steps_away(-2, -1, 0, 1, 2)),
    Row("trunc", ("trunc",), tg.trunc, np.trunc, _steps_away(-2, -1, 0, 1, 2)),
    Row("sign", ("sign",), tg.sign, np.sign, _steps_away(0.0)),
    Row(
        "div_floor",
        ("floor_divide",),
        lambda a, b: tg.div(a, b, rounding_mode="floor"),
        lambda a, b: np.floor(a / b),
        _quotients(),
    ),
    Row(
        "div_trunc",
        ("trunc_divide",),
        lambda a, b: tg.div(a, b, rounding_mode="trunc"),
        lambda a, b: np.trunc(a / b),
        _quotients(),
    ),
    Row("remainder", ("remainder", "floor_divide"), lambda a, b: a % b, np.remainder, _quotients()),
    Row("fmod", ("fmod", "trunc_divide"), tg.fmod, np.fmod, _quotients()),
    Row("log2", ("log2",), tg.log2, np.log2, unary(low=0.2, high=3.0)),
    Row("log10", ("log10",), tg.log10, np.log10, unary(low=0.2, high=3.0)),
    Row("exp2", ("exp2",), tg.exp2, np.exp2, unary()),
    Row(
        "prod_dim",
        ("prod", "cumprod", "pad", "index"),
        tg.prod,
        lambda x, dim, keepdim: np.prod(x, axis=dim, keepdims=keepdim),
        _along_one_dim(zeros=True, keepdim=True),
    ),
    Row(
        "prod_all",
        ("prod", "reshape"),
        tg.prod,
        np.prod,
        shapes().flatmap(lambda s: grid_arrays(s, 0.0)).map(lambda a: ([a], {})),
    ),
    Row(
        "cumprod",
        ("cumprod", "where", "sum"),
        tg.cumprod,
        lambda x, dim: np.cumprod(x, axis=dim),
        _along_one_dim(zeros=True),
    ),
    Row(
        "cummax",
        ("cummax", "index_put_zeros"),
        lambda x, dim: tg.cummax(x, dim).values,
        _np_cum_extreme(True),
        _along_one_dim(unique=True),
    ),
    Row(
        "cummin",
        ("cummax",),
        lambda x, dim: tg.cummin(x, dim).values,
        _np_cum_extreme(False),
        _along_one_dim(unique=True),
    ),
    Row(
        "logcumsumexp",
        ("logcumsumexp", "exp"),
        tg.logcumsumexp,
        _np_logcumsumexp,
        _along_one_dim(),
    ),
    Row(
        "diagonal",
        ("permute", "index"),
        tg.diagonal,
        lambda x, offset, dim1, dim2: np.diagonal(x, offset, dim1, dim2),
        _diagonals(),
    ),
    Row(
        "diag",
        ("index_put_zeros", "index"),
        tg.diag,
        _np_diag,
        st.tuples(shapes(min_dims=1, max_dims=2), st.integers(-2, 2)).flatmap(
            lambda t: arrays(t[0]).map(lambda x: ([x], {"diagonal": t[1]}))
        ),
    ),
]


# --- rows: nn.functional of the everyday API (issue 17) ---
_NP_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def _mode_padded(draw):
    """An input of 2-4 dims, a mode, and amounts within its rule for the last 1-3 dims."""
    mode = draw(st.sampled_from(sorted(_NP_PAD_MODES)))
    padded = draw(st.integers(1, 2))
    shape = draw(shapes(min_dims=padded + 1, max_dims=padded + 2))
    amounts = []
    for k in range(padded):
        size = shape[-1 - k]
        top = {"reflect": size - 1, "circular": size, "replicate": 3}[mode]
        amounts += [draw(st.integers(0, top)), draw(st.integers(0, top))]
    return [draw(arrays(shape))], {"pad": tuple(amounts), "mode": mode}


def _np_mode_pad(x, pad, mode):
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)][::-1]
    return np.pad(x, [(0, 0)] * (x.ndim - len(pairs)) + pairs, mode=_NP_PAD_MODES[mode])


@st.composite
def _resized(draw):
    spatial = draw(st.integers(1, 2))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + tuple(
        draw(st.integers(1, 4)) for _ in range(spatial)
    )
    mode = draw(st.sampled_from(["nearest", "nearest-exact", "linear"]))
    params = {"mode": mode if mode != "linear" else ("linear", "bilinear")[spatial - 1]}
    if mode == "linear":
        params["align_corners"] = draw(st.booleans())
    if draw(st.booleans()):
        params["size"] = tuple(draw(st.integers(1, 6)) for _ in range(spatial))
    else:
        params["scale_factor"] = draw(st.sampled_from([0.5, 1.5, 2.0, 3.0]))
        if any(int(n * params["scale_factor"]) < 1 for n in shape[2:]):
            params["scale_factor"] = 2.0
    return [draw(arrays(shape))], params


def _np_interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Each output pixel from PyTorch's source-coordinate formulas, one position at a time (in
    float64: the forward test's tight comparison runs float64 inputs)."""
    out = x
    for dim in range(2, x.ndim):
        n_in = x.shape[dim]
        n_out = size[dim - 2] if size else int(np.floor(n_in * scale_factor))
        if align_corners:
            scale = np.float64((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
        else:
            scale = np.float64(1 / scale_factor if scale_factor else n_in / n_out)
        pieces = []
        for i in range(n_out):
            if mode.startswith("nearest"):
                offset = np.float64(0.5 if mode == "nearest-exact" else 0.0)
                j = min(int(np.floor((np.float64(i) + offset) * scale)), n_in - 1)
                pieces.append(np.take(out, [j], axis=dim))
                continue
            if align_corners:
                src = np.float64(i) * scale
            else:
                src = max(scale * (np.float64(i) + np.float64(0.5)) - np.float64(0.5), 0.0)
            low = int(src)
            high = low + 1 if low < n_in - 1 else low
            w = float(src - low)
            pieces.append(
                np.take(out, [low], axis=dim) * (1 - w) + np.take(out, [high], axis=dim) * w
            )
        out = np.concatenate(pieces, axis=dim)
    return out


@st.composite
def _normalized(draw):
    shape = draw(shapes(min_dims=1, max_side=3))
    p = draw(st.sampled_from([1.0, 2.0, 3.0, float("inf")]))
    if p == float("inf"):  # distinct magnitudes: no ties for the max
        signs = draw(hnp.arrays(np.bool_, shape)) * 2.0 - 1.0
        x = draw(arrays(shape, low=0.1, high=2.0, unique=True, margin=0.02)) * signs
    else:
        x = draw(arrays(shape, away_from=(0.0,), margin=0.1))
    return [x], {"p": p, "dim": draw(st.integers(-len(shape), len(shape) - 1))}


def _np_normalize(x, p, dim):
    norm = np.linalg.norm(np.moveaxis(x, dim, -1), ord=p, axis=-1)
    return x / np.maximum(np.expand_dims(norm, dim), 1e-12)


def _np_celu(x, alpha):
    return np.where(x > 0, x, alpha * (np.exp(x / alpha) - 1))


ROWS += [
    Row("pad_modes", ("index",), tg.nn.functional.pad, _np_mode_pad, _mode_padded()),
    Row(
        "interpolate",
        ("index", "mul", "add"),
        tg.nn.functional.interpolate,
        _np_interpolate,
        _resized(),
    ),
    Row(
        "normalize",
        ("abs", "pow_scalar", "sum", "where", "clamp", "div"),
        tg.nn.functional.normalize,
        _np_normalize,
        _normalized(),
    ),
    Row(
        "celu",
        ("elu", "div", "mul"),
        tg.nn.functional.celu,
        _np_celu,
        unary(away_from=(0.0,)).flatmap(
            lambda a: st.sampled_from([0.5, 1.0, 2.0]).map(lambda alpha: (a[0], {"alpha": alpha}))
        ),
    ),
]
