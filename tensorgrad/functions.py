"""The differentiable functions: each is both ``tg.name(x, ...)`` and the method ``x.name(...)``
(``tensor.py`` lists them in the Tensor's class body).

Each is one call of a registered op or a short composition of them (mean, var, softmax,
stack...): composites need no VJP of their own. This module and ``tensor.py`` are one layer:
it reads ``tensor.Tensor`` at call time, since the class is built from these functions.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from . import tensor as _t
from .backends import array_module, backend_of, is_array, transfer
from .errors import OpError
from .operands import coerce_pair
from .ops import elementwise as ew
from .ops import linalg, reduce
from .ops import shape as shape_ops

if TYPE_CHECKING:
    from .tensor import Tensor

MaxResult = namedtuple("MaxResult", ["values", "indices"])


def dims(dim, ndim: int, op: str) -> tuple | None:
    """``dim`` (None, int or sequence; negatives count from the end) as sorted axes, or None."""
    if dim is None:
        return None
    given = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    rank = builtins.max(ndim, 1)
    out = []
    for d in given:
        if not -rank <= d < rank:
            raise IndexError(f"{op}: dim {d} is out of range for a tensor of {ndim} dims")
        out.append(int(d) % rank)
    if len(set(out)) != len(out):
        raise OpError(f"{op}: dim {dim} names an axis twice")
    return tuple(sorted(out)) if ndim else None


def _one_dim(dim, ndim: int, op: str) -> int:
    if not isinstance(dim, int | np.integer):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    return dims(dim, ndim, op)[0] if ndim else 0


# -- unary and binary elementwise ------------------------------------------------------------
def exp(x: Tensor) -> Tensor:
    return ew.EXP(x)


def log(x: Tensor) -> Tensor:
    return ew.LOG(x)


def sqrt(x: Tensor) -> Tensor:
    return ew.SQRT(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 (PyTorch's name)
    return ew.ABS(x)


def tanh(x: Tensor) -> Tensor:
    return ew.TANH(x)


def sigmoid(x: Tensor) -> Tensor:
    return ew.SIGMOID(x)


def relu(x: Tensor) -> Tensor:
    return ew.RELU(x)


def neg(x: Tensor) -> Tensor:
    return ew.NEG(x)


def clamp(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 (PyTorch's names)
    """Limit values to [min, max]; the gradient passes where min <= x <= max."""
    if min is None and max is None:
        raise OpError("clamp: give at least one of min and max")
    return ew.CLAMP(x, min=min, max=max)


def maximum(a: Tensor, b) -> Tensor:
    """Elementwise maximum; on a tie each input gets half the gradient (as PyTorch)."""
    return ew.MAXIMUM(*coerce_pair(a, b))


def minimum(a: Tensor, b) -> Tensor:
    """Elementwise minimum; on a tie each input gets half the gradient (as PyTorch)."""
    return ew.MINIMUM(*coerce_pair(a, b))


def where(condition, x, y) -> Tensor:
    """``x`` where ``condition`` holds, else ``y``; all three broadcast together."""
    if isinstance(x, _t.Tensor):
        x, y = coerce_pair(x, y)
    elif isinstance(y, _t.Tensor):
        y, x = coerce_pair(y, x)
    else:
        raise TypeError("where: x or y must be a Tensor")
    cond = condition
    if not isinstance(cond, _t.Tensor):
        cond = _t.Tensor._make(cond if is_array(cond) else np.asarray(cond))
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got {cond.dtype}")
    return ew.WHERE(cond, x, y)


def _tensor_where(self: Tensor, condition, y) -> Tensor:
    """``self.where(condition, y)`` is ``where(condition, self, y)`` (PyTorch's method)."""
    return where(condition, self, y)


# -- reductions ------------------------------------------------------------------------------
def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return reduce.SUM(x, dim=dims(dim, x.ndim, "sum"), keepdim=keepdim)


def _count(x: Tensor, dim) -> int:
    axes = dims(dim, x.ndim, "mean")
    return x.numel() if axes is None else math.prod(x.shape[d] for d in axes)


def mean(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    if x.dtype.kind not in "fc":
        raise TypeError(f"mean: needs a floating-point tensor, got {x.dtype}")
    return sum(x, dim, keepdim) / _count(x, dim)


def var(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Variance with Bessel's correction by default (``correction=1``), as PyTorch."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    centred = x - mean(x, dim, keepdim=True)
    return sum(centred * centred, dim, keepdim) / builtins.max(_count(x, dim) - correction, 0)


def std(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return sqrt(var(x, dim, unbiased, keepdim, correction=correction))


def _extreme(x: Tensor, dim, keepdim: bool, largest: bool, name: str):
    if isinstance(dim, _t.Tensor):
        return (maximum if largest else minimum)(x, dim)
    if x.numel() == 0:
        raise RuntimeError(f"{name}: the tensor is empty")
    if dim is None:
        return _extreme(x.reshape(-1), 0, False, largest, name).values
    axis = _one_dim(dim, x.ndim, name)
    if x.ndim == 0:
        return MaxResult(x, _t.Tensor._make(array_module(x.data).zeros((), dtype=np.int64)))
    values, index = reduce.MAX.with_residual(x, dim=axis, keepdim=keepdim, largest=largest)
    indices = index if keepdim else index.squeeze(axis)
    return MaxResult(values, _t.Tensor._make(indices))


def max(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """Without ``dim``: the largest value. With ``dim``: ``(values, indices)``, the first index
    on ties, which is also where the gradient goes. With a tensor: ``maximum``."""
    return _extreme(x, dim, keepdim, True, "max")


def min(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """As ``max``, for the smallest value."""
    return _extreme(x, dim, keepdim, False, "min")


def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    if dim is None:
        return _t.Tensor._make(array_module(x.data).asarray(x.data.argmax(), dtype=np.int64))
    axis = _one_dim(dim, x.ndim, "argmax")
    return _t.Tensor._make(x.data.argmax(axis=axis, keepdims=keepdim).astype(np.int64))


def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    if dim is None:
        return _t.Tensor._make(array_module(x.data).asarray(x.data.argmin(), dtype=np.int64))
    axis = _one_dim(dim, x.ndim, "argmin")
    return _t.Tensor._make(x.data.argmin(axis=axis, keepdims=keepdim).astype(np.int64))


def logsumexp(x: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, computed without overflow."""
    return reduce.LOGSUMEXP(x, dim=dims(dim, x.ndim, "logsumexp"), keepdim=keepdim)


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """x - logsumexp(x, dim): stable for logits of any magnitude."""
    return reduce.LOG_SOFTMAX(x, dim=dims(dim, x.ndim, "log_softmax"))


def softmax(x: Tensor, dim: int) -> Tensor:
    """exp(x - logsumexp(x, dim)), computed shifted by the max: no overflow."""
    return reduce.SOFTMAX(x, dim=dims(dim, x.ndim, "softmax"))


# -- shape -----------------------------------------------------------------------------------
def _shape_args(shape: tuple) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape


def reshape(x: Tensor, *shape) -> Tensor:
    shape = tuple(int(n) for n in _shape_args(shape))
    if shape == x.shape:
        return x
    return shape_ops.RESHAPE(x, shape=shape)


def view(x: Tensor, *shape) -> Tensor:
    """As ``reshape``: NumPy copies when a view is impossible, where PyTorch would raise."""
    return reshape(x, *shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = (d % x.ndim for d in (start_dim, end_dim))
    if start > end:
        raise OpError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = math.prod(x.shape[start : end + 1])
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1 :])


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor of {x.ndim} dims")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x: Tensor, dim=None) -> Tensor:
    axes = dims(dim, x.ndim, "squeeze")
    keep = [n for i, n in enumerate(x.shape) if n != 1 or (axes is not None and i not in axes)]
    return reshape(x, tuple(keep))


def permute(x: Tensor, *order) -> Tensor:
    order = _shape_args(order)
    if sorted(d % builtins.max(x.ndim, 1) for d in order) != list(range(x.ndim)):
        raise OpError(f"permute: {order} is not a permutation of the {x.ndim} dims")
    order = tuple(d % x.ndim for d in order)
    return x if order == tuple(range(x.ndim)) else shape_ops.PERMUTE(x, dims=order)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    order = list(range(x.ndim))
    a, b = _one_dim(dim0, x.ndim, "transpose"), _one_dim(dim1, x.ndim, "transpose")
    order[a], order[b] = order[b], order[a]
    return permute(x, order)


def expand(x: Tensor, *sizes) -> Tensor:
    """Broadcast to ``sizes`` (-1 keeps a dim) without copying; the gradient sums the copies."""
    sizes = _shape_args(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise OpError(f"expand: cannot expand shape {x.shape} to fewer dims {sizes}")
    shape = tuple(x.shape[i - lead] if n == -1 else int(n) for i, n in enumerate(sizes))
    for have, want in zip(x.shape, shape[lead:]):
        if have != want and have != 1:
            raise OpError(f"expand: cannot expand shape {x.shape} to {shape}")
    return x if shape == x.shape else reduce.EXPAND(x, shape=shape)


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    return expand(x, other.shape)


def sum_to(x: Tensor, shape: tuple) -> Tensor:
    """Sum ``x`` down to ``shape``, the shape it was broadcast from (undoes broadcasting)."""
    shape = tuple(shape)
    return x if x.shape == shape else reduce.SUM_TO(x, shape=shape)


def take_along(x: Tensor, index: np.ndarray, dim: int) -> Tensor:
    """``numpy.take_along_axis``: one value per index along ``dim`` (routes max's gradient)."""
    return reduce.TAKE_ALONG(x, index=index, dim=dim)


def scatter_along(x: Tensor, index: np.ndarray, dim: int, shape: tuple) -> Tensor:
    """Zeros of ``shape`` with ``x`` put at ``index`` along ``dim``: take_along's adjoint."""
    return reduce.SCATTER_ALONG(x, index=index, dim=dim, shape=tuple(shape))


def _index_key(key, data) -> tuple:
    """An index tuple for ``data``'s array module: tensors and lists become arrays on
    ``data``'s device (a host index may index a tensor anywhere, as in PyTorch), bool masks
    their nonzero indices."""
    backend = backend_of(data)
    parts = []
    for k in key if isinstance(key, tuple) else (key,):
        if isinstance(k, _t.Tensor):
            k = k.data
        elif isinstance(k, list):
            k = np.asarray(k)
        if not is_array(k):
            parts.append(k)
            continue
        k = transfer(k, backend.device_of(data))
        if k.dtype == np.bool_:
            parts.extend(k.nonzero())
        elif k.dtype.kind not in "iu":
            raise IndexError(
                f"index: arrays used as indices must be integer or bool, got {k.dtype}"
            )
        else:
            parts.append(k)
    return tuple(parts)


def _is_int(k) -> bool:
    return isinstance(k, int | np.integer) and not isinstance(k, bool)


def getitem(x: Tensor, key) -> Tensor:
    """Indexing with ints, slices, None, Ellipsis, integer arrays and bool masks; repeated
    indices accumulate their gradients.

    As PyTorch (not NumPy), integers select before the index arrays apply: in
    ``x[1, :, idx]`` the int is no advanced index, so the dims ``idx`` gives stay in its place.
    """
    parts = _index_key(key, x.data)
    if any(_is_int(k) for k in parts) and not shape_ops.is_basic_index(parts):
        def keep(k):
            return k if _is_int(k) or k is None or k is Ellipsis else slice(None)

        x = shape_ops.INDEX(x, key=tuple(keep(k) for k in parts))
        parts = tuple(slice(None) if k is None else k for k in parts if not _is_int(k))
    return shape_ops.INDEX(x, key=parts)


def index_put_zeros(x: Tensor, key: tuple, shape: tuple) -> Tensor:
    """Zeros of ``shape`` with ``x`` added at ``key``: the adjoint of indexing."""
    return shape_ops.INDEX_PUT_ZEROS(x, key=key, shape=tuple(shape))


def cat(tensors, dim: int = 0) -> Tensor:
    """Concatenate along ``dim``; all other dims must match."""
    tensors = list(tensors)
    if not tensors:
        raise OpError("cat: needs at least one tensor")
    first = tensors[0]
    axis = _one_dim(dim, first.ndim, "cat")
    for t in tensors[1:]:
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1 :] != (
            first.shape[:axis] + first.shape[axis + 1 :]
        ):
            shapes = [tuple(u.shape) for u in tensors]
            raise OpError(f"cat: shapes {shapes} differ outside dim {dim}")
    return shape_ops.CAT(*tensors, dim=axis)


def stack(tensors, dim: int = 0) -> Tensor:
    """Join equal-shaped tensors along a new ``dim``."""
    tensors = list(tensors)
    if not tensors:
        raise OpError("stack: needs at least one tensor")
    if len({t.shape for t in tensors}) > 1:
        raise OpError(f"stack: all tensors need one shape, got {[t.shape for t in tensors]}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def pad(x: Tensor, pad: tuple, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding; ``pad`` lists (before, after) pairs from the last dim backwards."""
    if mode != "constant":
        raise OpError(f"pad: only mode='constant' is supported, got {mode!r}")
    if len(pad) % 2 or len(pad) > 2 * x.ndim:
        raise OpError(f"pad: {pad} must hold (before, after) pairs for at most {x.ndim} dims")
    if builtins.min(pad, default=0) < 0:
        raise OpError(f"pad: negative padding {pad} is not supported")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)]
    widths = tuple([(0, 0)] * (x.ndim - len(pairs)) + pairs[::-1])
    return shape_ops.PAD(x, widths=widths, value=value)


def _reversed_dims(x):
    return permute(x, tuple(range(x.ndim))[::-1])


def _matrix_transpose(x):
    return transpose(x, -2, -1)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with ``torch.matmul``'s rules for 1-D operands and broadcast batch dims."""
    a, b = coerce_pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise OpError(f"matmul: both operands need at least 1 dim, got {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise OpError(f"matmul: shapes {a.shape} and {b.shape} do not fit (inner dims differ)")
    a_vector, b_vector = a.ndim == 1, b.ndim == 1
    if a_vector:
        a = a.reshape(1, -1)
    if b_vector:
        b = b.reshape(-1, 1)
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise OpError(
                f"matmul: batch dims of {a.shape} and {b.shape} do not broadcast"
            ) from None
    out = linalg.MATMUL(a, b)
    if a_vector and b_vector:
        return out.reshape(out.shape[:-2])
    if a_vector:
        return out.reshape(out.shape[:-2] + out.shape[-1:])
    if b_vector:
        return out.reshape(out.shape[:-1])
    return out
