"""Indexing functions of issue 13, PyTorch's signatures: gather, scatter_add, index_select,
masked_fill, tril, triu, topk, sort, one_hot (the shape ones are in ``functions_shape``).

All are compositions of the indexing, reshape and where primitives, so their gradients (and
the gradients of those) come from the primitives' VJPs: ``gather`` is indexing with a grid of
indices, whose VJP scatter-adds; ``topk`` and ``sort`` pick values along a dim by indices that
are computed without a gradient, as in PyTorch.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from . import tensor as _t
from .backends import array_module, backend_of, is_array
from .functions import _one_dim, index_put_zeros, where
from .ops import reduce
from .ops import shape as shape_ops

if TYPE_CHECKING:
    from .tensor import Tensor

SortResult = namedtuple("SortResult", ["values", "indices"])
TopKResult = namedtuple("TopKResult", ["values", "indices"])


def _array_on_device_of(x: Tensor, value):
    """``value`` (a Tensor, an array or a list) as an array on ``x``'s device (a host index
    or mask may be used with a tensor anywhere, as in PyTorch)."""
    data = value.data if isinstance(value, _t.Tensor) else value
    if not is_array(data):
        data = np.asarray(data)
    backend = backend_of(x.data)
    if backend_of(data) is not backend:
        data = backend.from_host(backend_of(data).to_host(data), x.device)
    return data


def _index_array(index, x: Tensor, op: str):
    """``index`` as an integer array on ``x``'s device."""
    data = _array_on_device_of(x, index)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor (int64), got {data.dtype}")
    return data


def _check_in_range(index, size: int, op: str, what: str = "index") -> None:
    bad = (index < 0) | (index >= size)
    if bad.any():
        value = int(index[bad].ravel()[0])
        raise IndexError(f"{op}: {what} {value} is out of bounds for a dim of size {size}")


def _grid(index, dim: int) -> tuple:
    """The advanced-index key that reads ``x[i0, ..., index[i], ..., in]`` for every position
    ``i`` of ``index``: ``index`` along ``dim``, broadcast aranges along the other dims."""
    xp = array_module(index)
    key = []
    for d, n in enumerate(index.shape):
        if d == dim:
            key.append(index.astype(np.int64, copy=False))
        else:
            shape = [1] * index.ndim
            shape[d] = n
            key.append(xp.arange(n, dtype=np.int64).reshape(shape))
    return tuple(key)


def _along_dim_index(input: Tensor, dim: int, index, op: str, limit_shape: tuple):  # noqa: A002
    """The validated index of gather/scatter_add and its dim: same number of dims as the
    input, no larger than ``limit_shape`` outside ``dim``, values in range."""
    index = _index_array(index, input, op)
    axis = _one_dim(dim, input.ndim, op)
    if index.ndim != builtins.max(input.ndim, 1) and not (input.ndim == 0 and index.ndim == 0):
        raise RuntimeError(
            f"{op}: index has {index.ndim} dims, but the input has {input.ndim} (they must match)"
        )
    for d, (n, limit) in enumerate(zip(index.shape, limit_shape)):
        if d != axis and n > limit:
            raise RuntimeError(
                f"{op}: index of shape {index.shape} is larger than shape {limit_shape} "
                f"outside dim {axis}"
            )
    _check_in_range(index, input.shape[axis] if input.ndim else 1, op)
    return index, axis


def gather(input: Tensor, dim: int, index, *, sparse_grad: bool = False) -> Tensor:  # noqa: A002
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` (for dim 1); ``out`` has index's shape.
    The gradient adds up where an index repeats. ``sparse_grad`` is accepted and ignored."""
    index, axis = _along_dim_index(input, dim, index, "gather", input.shape)
    if input.ndim == 0:
        return input.reshape(index.shape)
    return shape_ops.INDEX(input, key=_grid(index, axis))


def scatter_add(input: Tensor, dim: int, index, src: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats accumulate):
    ``out[i][index[i][j][k]][k] += src[i][j][k]`` for dim 1; differentiable in input and src."""
    if not isinstance(src, _t.Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}")
    if src.ndim != input.ndim:
        raise RuntimeError(
            f"scatter_add: src has {src.ndim} dims, but the input has {input.ndim} "
            "(they must match)"
        )
    index, axis = _along_dim_index(input, dim, index, "scatter_add", input.shape)
    if builtins.any(n > m for n, m in zip(index.shape, src.shape)):
        raise RuntimeError(
            f"scatter_add: index of shape {index.shape} is larger than src of shape {src.shape}"
        )
    if input.ndim == 0:
        return input + src
    part = src[tuple(slice(0, n) for n in index.shape)] if index.shape != src.shape else src
    return input + index_put_zeros(part, _grid(index, axis), input.shape)


def index_select(input: Tensor, dim: int, index) -> Tensor:  # noqa: A002
    """The slices of ``input`` at the positions ``index`` (1-D) along ``dim``."""
    index = _index_array(index, input, "index_select")
    if index.ndim > 1:
        raise IndexError(f"index_select: index must be 1-D, got shape {index.shape}")
    axis = _one_dim(dim, input.ndim, "index_select")
    _check_in_range(index.reshape(-1), input.shape[axis] if input.ndim else 1, "index_select")
    if input.ndim == 0:
        return input.reshape(index.shape)
    key = (slice(None),) * axis + (index.reshape(-1).astype(np.int64, copy=False),)
    return shape_ops.INDEX(input, key=key)


def masked_fill(input: Tensor, mask, value) -> Tensor:  # noqa: A002
    """``input`` with ``value`` (a number or a 0-d tensor) where ``mask`` (bool, broadcastable
    to input's shape) is True; the gradient passes where it is False."""
    data = _array_on_device_of(input, mask)
    if data.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got {data.dtype}")
    try:
        if np.broadcast_shapes(data.shape, input.shape) != input.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(
            f"masked_fill: mask of shape {data.shape} does not broadcast to the input's shape "
            f"{input.shape}"
        ) from None
    if isinstance(value, _t.Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}"
            )
        value = value.to(input.dtype)
    else:  # the value takes the input's dtype, as in PyTorch (1.5 fills an int tensor with 1)
        value = np.asarray(value).astype(input.dtype).item()
    return where(_t.Tensor._make(data), value, input)


def _triangle(input: Tensor, diagonal: int, lower: bool, op: str) -> Tensor:  # noqa: A002
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dims, got shape {input.shape}")
    rows, cols = input.shape[-2:]
    xp = array_module(input.data)
    i = xp.arange(rows).reshape(-1, 1)
    j = xp.arange(cols).reshape(1, -1)
    keep = (j - i <= diagonal) if lower else (j - i >= diagonal)
    return where(_t.Tensor._make(keep), input, 0)  # an int 0 keeps the input's dtype


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dims (on and below ``diagonal``), zeros above."""
    return _triangle(input, diagonal, True, "tril")


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dims (on and above ``diagonal``), zeros below."""
    return _triangle(input, diagonal, False, "triu")


def _sort_key(data, descending: bool):
    """An array whose ascending order is ``data``'s order (descending: negated, so that a
    stable sort keeps ties in their order, which reversing an ascending sort would not)."""
    if not descending:
        return data
    if data.dtype == np.bool_:
        return ~data
    return -(data.astype(np.int64) if data.dtype.kind == "u" else data)


def _order(input: Tensor, dim: int, descending: bool):  # noqa: A002
    """The indices that sort ``input`` along ``dim`` (stable: ties keep their order)."""
    key = _sort_key(input.data, descending)
    return array_module(key).argsort(key, axis=dim, kind="stable")


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):  # noqa: A002
    """``(values, indices)`` sorted along ``dim``; ties keep their order (always stable);
    values are differentiable, indices are not."""
    if input.ndim == 0:
        return SortResult(input, _t.Tensor._make(array_module(input.data).zeros((), np.int64)))
    axis = _one_dim(dim, input.ndim, "sort")
    index = _order(input, axis, descending).astype(np.int64, copy=False)
    return SortResult(reduce.TAKE_ALONG(input, index=index, dim=axis), _t.Tensor._make(index))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``, in
    sorted order (``sorted=False`` returns them sorted too); values are differentiable."""
    axis = _one_dim(dim, input.ndim, "topk")
    length = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= length:
        raise RuntimeError(f"topk: k ({k}) is out of range for a dim of size {length}")
    if input.ndim == 0:
        return TopKResult(input, _t.Tensor._make(array_module(input.data).zeros((), np.int64)))
    first_k = (slice(None),) * axis + (slice(0, k),)
    if 0 < k < length:  # partition (linear time), then sort only the k picked
        key = _sort_key(input.data, largest)
        xp = array_module(key)
        picked = xp.argpartition(key, k - 1, axis=axis)[first_k]
        within = xp.argsort(xp.take_along_axis(key, picked, axis=axis), axis=axis, kind="stable")
        index = xp.take_along_axis(picked, within, axis=axis)
    else:
        index = _order(input, axis, largest)[first_k]
    index = index.astype(np.int64, copy=False)
    return TopKResult(reduce.TAKE_ALONG(input, index=index, dim=axis), _t.Tensor._make(index))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot vectors along a new last dim; ``num_classes=-1`` takes max(tensor) + 1."""
    index = _index_array(tensor, tensor, "one_hot")
    if num_classes == -1:
        if index.size == 0:
            raise RuntimeError("one_hot: can not infer num_classes from an empty tensor")
        num_classes = int(index.max()) + 1
    if index.size and int(index.min()) < 0:
        raise RuntimeError("one_hot: class values must be non-negative")
    if index.size and int(index.max()) >= num_classes:
        raise RuntimeError(
            f"one_hot: class value {int(index.max())} is out of range for {num_classes} classes"
        )
    xp = array_module(index)
    return _t.Tensor._make((index[..., None] == xp.arange(num_classes)).astype(np.int64))


__all__ = [
    "gather", "index_select", "masked_fill", "one_hot", "scatter_add", "sort", "topk", "tril",
    "triu",
]  # fmt: skip
