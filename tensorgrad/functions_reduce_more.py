"""PyTorch's reductions and order statistics that scripts reach for next: amax/amin (ties
share the gradient), aminmax, argsort, count_nonzero, median, kthvalue, mode, diff, and the
non-differentiable unique, bincount and equal.

Values picked by an index (median, kthvalue, mode) are differentiable through that index, as
PyTorch's; indices, counts and booleans are plain tensors outside the graph.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from . import functions as fn
from . import functions_index as fi
from . import tensor as _t
from .backends import array_module
from .errors import OpError
from .ops import binary_more
from .ops import reduce as reduce_ops

if TYPE_CHECKING:
    from .tensor import Tensor

AminmaxResult = namedtuple("AminmaxResult", ["min", "max"])
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _plain(data) -> Tensor:
    return _t.Tensor._make(data)


def _extreme(input: Tensor, dim, keepdim: bool, largest: bool, name: str) -> Tensor:  # noqa: A002
    axes = None if dim is None or (not isinstance(dim, int) and len(dim) == 0) else dim
    axes = fn.dims(axes, input.ndim, name)
    reduced = range(input.ndim) if axes is None else axes
    for d in reduced:
        if input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    if input.ndim == 0:
        return input
    return binary_more.AMAX(input, dim=axes, keepdim=keepdim, largest=largest)


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:  # noqa: A002 (PyTorch's names)
    """The largest value over ``dim`` (all dims by default); tied maxima share the gradient."""
    return _extreme(input, dim, keepdim, True, "amax")


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The smallest value over ``dim`` (all dims by default); tied minima share the gradient."""
    return _extreme(input, dim, keepdim, False, "amin")


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False) -> AminmaxResult:  # noqa: A002
    """``(min, max)`` over ``dim`` (an int) or over all elements."""
    if dim is not None and not isinstance(dim, int | np.integer):
        raise TypeError(f"aminmax: dim must be an int, got {dim!r}")
    return AminmaxResult(
        _extreme(input, dim, keepdim, False, "aminmax"),
        _extreme(input, dim, keepdim, True, "aminmax"),
    )


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):  # noqa: A002
    """The indices that sort ``input`` along ``dim`` (ties keep their order: always stable)."""
    return fi.sort(input, dim, descending, stable).indices


def count_nonzero(input: Tensor, dim=None) -> Tensor:  # noqa: A002
    """The number of nonzero elements over ``dim`` (all by default), int64."""
    axes = fn.dims(dim, input.ndim, "count_nonzero")
    counts = (input.data != 0).sum(axis=axes)
    return _plain(array_module(input.data).asarray(counts, dtype=np.int64))


def _pick(input: Tensor, dim, keepdim: bool, position, name: str) -> ValuesIndices:  # noqa: A002
    """The element at sorted ``position`` (a function of the dim's size) along ``dim``."""
    if input.ndim == 0:
        return ValuesIndices(input, _plain(array_module(input.data).zeros((), np.int64)))
    axis = fn._one_dim(dim, input.ndim, name)
    size = input.shape[axis]
    k = position(size)
    xp = array_module(input.data)
    order = fi._order(input, axis, False)
    index = xp.take(order, [k], axis=axis).astype(np.int64)
    if input.dtype.kind == "f":  # a NaN wins, as PyTorch's median and kthvalue
        nan = xp.isnan(input.data)
        first_nan = xp.expand_dims(nan.argmax(axis=axis), axis).astype(np.int64)
        index = xp.where(nan.any(axis=axis, keepdims=True), first_nan, index)
    values = reduce_ops.TAKE_ALONG(input, index=index, dim=axis)
    if not keepdim:
        values, index = values.squeeze(axis), index.squeeze(axis)
    return ValuesIndices(values, _plain(index))


def median(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A002
    """The lower median (of an even count, the smaller middle value, as PyTorch); with ``dim``
    ``(values, indices)``. A NaN gives NaN."""
    if dim is None:
        if input.numel() == 0:
            dtype = input.dtype if input.dtype.kind == "f" else np.float32
            return _plain(array_module(input.data).full((), np.nan, dtype=dtype))
        return _pick(input.reshape(-1), 0, False, _lower_middle, "median").values
    _check_nonempty(input, dim, "median")
    return _pick(input, dim, keepdim, _lower_middle, "median")


def _lower_middle(size: int) -> int:
    return (size - 1) // 2


def _check_nonempty(input: Tensor, dim, name: str) -> None:  # noqa: A002
    axis = fn._one_dim(dim, input.ndim, name)
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:  # noqa: A002
    """The ``k``-th smallest element along ``dim`` (k from 1), ``(values, indices)``."""
    axis = fn._one_dim(dim, input.ndim, "kthvalue")
    size = input.shape[axis] if input.ndim else 1
    if not 1 <= k <= size:
        raise OpError(f"kthvalue(): selected number k out of range for dimension {axis}")
    return _pick(input, axis, keepdim, lambda n: k - 1, "kthvalue")


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:  # noqa: A002
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and the
    index of its last occurrence."""
    if input.ndim == 0:
        return ValuesIndices(input, _plain(array_module(input.data).zeros((), np.int64)))
    axis = fn._one_dim(dim, input.ndim, "mode")
    _check_nonempty(input, axis, "mode")
    xp = array_module(input.data)
    data = xp.moveaxis(input.data, axis, -1)
    ordered = xp.sort(data, axis=-1)
    counts = (ordered[..., :, None] == ordered[..., None, :]).sum(-1)
    best = xp.take_along_axis(ordered, counts.argmax(-1)[..., None], axis=-1)  # smallest first
    hits = data == best
    last = data.shape[-1] - 1 - hits[..., ::-1].argmax(-1)
    index = xp.expand_dims(last.astype(np.int64), axis)
    values = reduce_ops.TAKE_ALONG(input, index=index, dim=axis)
    if not keepdim:
        values, index = values.squeeze(axis), index.squeeze(axis)
    return ValuesIndices(values, _plain(index))


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:  # noqa: A002
    """The ``n``-th forward difference along ``dim`` (``prepend``/``append`` joined first)."""
    if input.ndim == 0:
        raise OpError("diff expects input to be at least one-dimensional")
    axis = fn._one_dim(dim, input.ndim, "diff")
    parts = [t for t in (prepend, input, append) if t is not None]
    parts = [p if isinstance(p, _t.Tensor) else _t.Tensor._make(np.asarray(p)) for p in parts]
    x = fn.cat(parts, axis) if len(parts) > 1 else input
    for _ in range(n):
        if x.shape[axis] == 0:
            break
        head = x[(slice(None),) * axis + (slice(1, None),)]
        tail = x[(slice(None),) * axis + (slice(None, -1),)]
        x = head ^ tail if x.dtype == np.bool_ else head - tail
    return x


def unique(input, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim=None):  # fmt: skip
    """The distinct values (sorted), and with the flags the inverse indices and the counts;
    with ``dim``, the distinct slices along it."""
    xp = array_module(input.data)
    axis = None if dim is None else fn._one_dim(dim, input.ndim, "unique")
    values, inverse, counts = xp.unique(
        input.data, return_inverse=True, return_counts=True, axis=axis
    )
    out = [_plain(values)]
    if return_inverse:
        shape = input.shape if axis is None else (input.shape[axis],)
        out.append(_plain(inverse.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(_plain(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Tensor, weights=None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How often each value 0, 1, ... occurs in a 1-D non-negative integer tensor (or the sum
    of ``weights`` there: float32 weights give float32, others float64, as PyTorch)."""
    data = input.data
    if data.ndim != 1 or data.dtype.kind not in "iub":
        raise OpError("bincount only supports 1-d non-negative integral inputs.")
    if data.size and int(data.min()) < 0:
        raise OpError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise OpError("minlength should be >= 0")
    xp = array_module(data)
    if weights is None:
        return _plain(xp.bincount(data, minlength=minlength).astype(np.int64))
    w = weights.data if isinstance(weights, _t.Tensor) else xp.asarray(weights)
    if w.shape != data.shape:
        raise OpError("weights should be 1-d and have the same length as input")
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    return _plain(xp.bincount(data, weights=w, minlength=minlength).astype(dtype))


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """True when both have the same shape and elements (a Python bool)."""
    if input.shape != other.shape:
        return False
    return builtins.bool((input == other).data.all())
