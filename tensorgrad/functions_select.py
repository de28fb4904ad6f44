"""PyTorch's selection and index-writing functions: masked_select, take, take_along_dim,
index_add, index_copy, index_fill and scatter (the copies; the ``_`` methods that write in
place are in ``tensorgrad.inplace``).

Compositions of the indexing, index_put_zeros and where primitives, so gradients flow to the
input where it is kept and to the source where it is written, as PyTorch's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import functions as fn
from . import functions_index as fi
from . import tensor as _t
from .backends import array_module
from .errors import OpError

if TYPE_CHECKING:
    from .tensor import Tensor


def _plain(data) -> Tensor:
    return _t.Tensor._make(data)


def masked_select(input: Tensor, mask) -> Tensor:  # noqa: A002 (PyTorch's names)
    """The elements where ``mask`` (broadcast with input) is True, as a 1-D tensor."""
    data = fi._array_on_device_of(input, mask)
    if data.dtype != np.bool_:
        raise TypeError(f"masked_select: expected BoolTensor for mask, got {data.dtype}")
    try:
        shape = np.broadcast_shapes(input.shape, data.shape)
    except ValueError:
        raise OpError(
            f"masked_select: mask of shape {data.shape} and input of shape {input.shape} do "
            "not broadcast"
        ) from None
    xp = array_module(data)
    return input.expand(shape)[_plain(xp.broadcast_to(data, shape))]


def take(input: Tensor, index) -> Tensor:  # noqa: A002
    """The elements of the flattened input at ``index`` (any shape; the result has it)."""
    index = fi._index_array(index, input, "take")
    size = input.numel()
    bad = (index < -size) | (index >= size)
    if bool(bad.any()):
        value = int(index[bad].ravel()[0])
        raise IndexError(f"take: out of range: tried to access index {value} on a tensor of "
                         f"{size} elements.")  # fmt: skip
    return input.reshape(-1)[_plain(index % max(size, 1))]


def take_along_dim(input: Tensor, indices, dim=None) -> Tensor:  # noqa: A002
    """``gather`` with broadcasting: input and indices broadcast outside ``dim``; without
    ``dim`` both are flattened."""
    index = fi._index_array(indices, input, "take_along_dim")
    if dim is None:
        return take(input, index.reshape(-1))
    axis = fn._one_dim(dim, input.ndim, "take_along_dim")
    if index.ndim != input.ndim:
        raise OpError(
            f"torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {index.ndim} "
            "dimensions for indices"
        )
    outer = np.broadcast_shapes(
        tuple(n for d, n in enumerate(input.shape) if d != axis),
        tuple(n for d, n in enumerate(index.shape) if d != axis),
    )
    outer = list(outer)
    shape_x = tuple(outer[:axis] + [input.shape[axis]] + outer[axis:])
    shape_i = tuple(outer[:axis] + [index.shape[axis]] + outer[axis:])
    xp = array_module(index)
    index = xp.broadcast_to(index, shape_i)
    index = xp.where(index < 0, index + input.shape[axis], index)
    return fi.gather(input.expand(shape_x), axis, _plain(index))


def _along(input: Tensor, dim: int, index, name: str):  # noqa: A002
    """A 1-D index along ``dim`` (checked, negatives wrapped) and the dim."""
    index = fi._index_array(index, input, name)
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    axis = fn._one_dim(dim, input.ndim, name)
    size = input.shape[axis] if input.ndim else 1
    index = index.reshape(-1).astype(np.int64)
    fi._check_in_range(index, size, name)
    return index, axis


def _source_shape(input: Tensor, source: Tensor, axis: int, count: int, name: str) -> None:  # noqa: A002
    want = input.shape[:axis] + (count,) + input.shape[axis + 1 :] if input.ndim else (count,)
    if source.ndim == 0 and input.ndim <= 1 and count == 1:
        return
    if tuple(source.shape) != tuple(want):
        raise OpError(
            f"{name}(): source of shape {tuple(source.shape)} does not fit input of shape "
            f"{tuple(input.shape)} with {count} indices along dim {axis} (expected {want})"
        )


def _key(ndim: int, axis: int, index) -> tuple:
    return (slice(None),) * axis + (index,)


def index_add(input: Tensor, dim: int, index, source: Tensor, *, alpha=1) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim`` (repeated
    indices accumulate)."""
    index, axis = _along(input, dim, index, "index_add")
    _source_shape(input, source, axis, index.shape[0], "index_add")
    src = source if alpha == 1 else source * alpha
    if input.ndim == 0:
        return input + src.reshape(())
    src = src.reshape(input.shape[:axis] + (index.shape[0],) + input.shape[axis + 1 :])
    return input + fn.index_put_zeros(src.to(input.dtype), _key(input.ndim, axis, index),
                                      input.shape)  # fmt: skip


def _written_mask(input: Tensor, axis: int, index):  # noqa: A002
    xp = array_module(index)
    hit = xp.zeros(input.shape[axis] if input.ndim else 1, dtype=bool)
    hit[index] = True
    shape = [1] * input.ndim
    if input.ndim:
        shape[axis] = input.shape[axis]
    return _plain(hit.reshape(shape))


def index_copy(input: Tensor, dim: int, index, source: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim``
    (with a repeated index, one of its slices wins, as PyTorch's)."""
    index, axis = _along(input, dim, index, "index_copy")
    _source_shape(input, source, axis, index.shape[0], "index_copy")
    if input.ndim == 0:
        return source.reshape(()).to(input.dtype) + input * 0
    xp = array_module(index)
    winner = xp.zeros(input.shape[axis], dtype=np.int64)
    winner[index] = xp.arange(index.shape[0], dtype=np.int64)  # the last one wins
    placed = source.to(input.dtype)[_key(input.ndim, axis, winner)]
    return fn.where(_written_mask(input, axis, index), placed, input)


def index_fill(input: Tensor, dim: int, index, value) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``value`` (a number or a 0-d tensor) at ``index`` along ``dim``."""
    index, axis = _along(input, dim, index, "index_fill")
    if isinstance(value, _t.Tensor):
        if value.ndim != 0:
            raise OpError(
                "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        value = value.to(input.dtype)
    else:
        value = np.asarray(value).astype(input.dtype).item()
    return fn.where(_written_mask(input, axis, index), value, input)


def scatter(input: Tensor, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` (a tensor, or a number) written at ``index`` along
    ``dim``: ``out[i][index[i][j]] = src[i][j]`` for dim 1 (a repeated target takes one of its
    values). ``reduce='add'`` adds instead (``scatter_add``); ``'multiply'`` multiplies."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter(): give src (a tensor) or value (a number)")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise OpError(f"reduce argument must be either add or multiply, got {reduce!r}")
    limit = src.shape if isinstance(src, _t.Tensor) else input.shape
    index, axis = fi._along_dim_index(input, dim, index, "scatter", input.shape)
    if isinstance(src, _t.Tensor) and any(n > m for n, m in zip(index.shape, limit)):
        raise OpError(
            f"scatter(): index of shape {index.shape} is larger than src of shape {src.shape}"
        )
    scalar = input.ndim == 0
    if scalar:
        input, index = input.reshape(1), index.reshape(1)
    xp = array_module(index)
    if isinstance(src, _t.Tensor):
        part = src[tuple(slice(0, n) for n in index.shape)] if index.shape != src.shape else src
        part = part.to(input.dtype).reshape(index.shape)
    else:
        part = _t.Tensor._make(xp.full(index.shape, src, dtype=input.dtype))
    grid = fi._grid(index, axis)
    if reduce == "add":
        out = input + fn.index_put_zeros(part, grid, input.shape)
    else:
        flat = xp.ravel_multi_index(tuple(xp.broadcast_to(g, index.shape) for g in grid),
                                    input.shape).reshape(-1)  # fmt: skip
        winner = xp.full(input.numel(), -1, dtype=np.int64)
        winner[flat] = xp.arange(flat.shape[0], dtype=np.int64)  # the last one wins
        hit = (winner >= 0).reshape(input.shape)
        placed = part.reshape(-1)[_plain(xp.maximum(winner, 0))].reshape(input.shape)
        if reduce == "multiply":
            if bool((xp.bincount(flat, minlength=input.numel()) > 1).any()):
                raise OpError("scatter(reduce='multiply'): repeated indices are not supported")
            out = fn.where(_plain(hit), input * placed, input)
        else:
            out = fn.where(_plain(hit), placed, input)
    return out.reshape(()) if scalar else out
