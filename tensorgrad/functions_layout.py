"""PyTorch's layout and shape functions that scripts reach for next: clone, contiguous, t,
swapaxes/movedim, broadcast_to/broadcast_tensors, reshape_as, narrow, select, tile,
repeat_interleave, meshgrid, and the tests ``is_tensor``, ``numel``, ``is_floating_point``.

Compositions of the reshape, permute, expand and indexing primitives (clone and contiguous
are copies with an identity gradient), so the gradients come from those primitives' VJPs.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import numpy as np

from . import functions as fn
from . import tensor as _t
from .backends import array_module
from .errors import OpError
from .ops import unary_more

if TYPE_CHECKING:
    from .tensor import Tensor


# -- tests and copies ----------------------------------------------------------------------------
def is_tensor(obj) -> bool:
    return isinstance(obj, _t.Tensor)


def numel(input: Tensor) -> int:  # noqa: A002 (PyTorch's names)
    return input.numel()


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    return input.is_floating_point()


def detach(input: Tensor) -> Tensor:  # noqa: A002
    return input.detach()


def clone(input: Tensor, *, memory_format=None) -> Tensor:  # noqa: A002
    """A copy with its own memory; the gradient passes through unchanged."""
    return unary_more.CLONE(input)


def is_contiguous(input: Tensor, memory_format=None) -> bool:  # noqa: A002
    return bool(input.data.flags.c_contiguous)


def contiguous(input: Tensor, memory_format=None) -> Tensor:  # noqa: A002
    """``input`` itself when its memory is row-major, else a row-major copy."""
    return input if is_contiguous(input) else unary_more.CONTIGUOUS(input)


# -- dims swapped and moved --------------------------------------------------------------------
def t(input: Tensor) -> Tensor:  # noqa: A002
    """The transpose of a matrix; a 0-d or 1-d tensor is returned as it is."""
    if input.ndim > 2:
        raise OpError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return input if input.ndim < 2 else input.transpose(0, 1)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    return input.transpose(axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    return input.transpose(dim0, dim1)


def _dim_list(value, ndim: int, op: str) -> list[int]:
    given = [value] if isinstance(value, int | np.integer) else list(value)
    rank = builtins.max(ndim, 1)
    out = []
    for d in given:
        if not -rank <= d < rank:
            raise IndexError(
                f"{op}: Dimension out of range (expected to be in range of [{-rank}, "
                f"{rank - 1}], but got {d})"
            )
        out.append(int(d) % rank)
    if len(set(out)) != len(out):
        raise OpError(f"{op}: repeated dim in {value}")
    return out


def movedim(input: Tensor, source, destination) -> Tensor:  # noqa: A002
    """Move the dims ``source`` to the places ``destination``; the others keep their order."""
    src = _dim_list(source, input.ndim, "movedim")
    dst = _dim_list(destination, input.ndim, "movedim")
    if len(src) != len(dst):
        raise OpError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    if input.ndim == 0:
        return input
    rest = iter(d for d in range(input.ndim) if d not in src)
    placed = dict(zip(dst, src))
    order = [placed[i] if i in placed else next(rest) for i in range(input.ndim)]
    return input.permute(order)


moveaxis = movedim


# -- broadcasting ----------------------------------------------------------------------------
def broadcast_to(input: Tensor, size) -> Tensor:  # noqa: A002
    return input.expand(tuple(size))


def broadcast_shapes(*shapes) -> tuple:
    """The shape that tensors of these shapes broadcast to (an error when they do not)."""
    sizes = [(s,) if isinstance(s, int | np.integer) else tuple(s) for s in shapes]
    try:
        return tuple(np.broadcast_shapes(*sizes))
    except ValueError:
        raise OpError(f"broadcast_shapes: shapes {sizes} cannot be broadcast together") from None


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to their common shape."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return input.reshape(other.shape)


# -- slices and repeats ------------------------------------------------------------------------
def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:  # noqa: A002
    """The ``length`` elements from ``start`` along ``dim`` (a view in PyTorch, a slice here)."""
    if input.ndim == 0:
        raise OpError("narrow() cannot be applied to a 0-dim tensor.")
    axis = fn._one_dim(dim, input.ndim, "narrow")
    size = input.shape[axis]
    start = int(start.item() if isinstance(start, _t.Tensor) else start)
    if not -size <= start <= size:
        raise IndexError(
            f"narrow(): start ({start}) is out of bounds for dim {axis} of size {size}"
        )
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise OpError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return input[(slice(None),) * axis + (slice(start, start + length),)]


def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """The slice at ``index`` along ``dim``, that dim removed (``x.select(0, i)`` is ``x[i]``)."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    axis = fn._one_dim(dim, input.ndim, "select")
    size = input.shape[axis]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {axis}"
        )
    return input[(slice(None),) * axis + (int(index),)]


def tile(input: Tensor, dims) -> Tensor:  # noqa: A002
    """``repeat`` with leading ones added to ``dims`` when it is shorter than the shape."""
    dims = (dims,) if isinstance(dims, int | np.integer) else tuple(dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return input.repeat(dims)


def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:  # noqa: A002
    """Each element (or slice along ``dim``) repeated ``repeats`` times in a row; without
    ``dim`` the tensor is flattened first. ``repeat_interleave(counts)`` on an integer tensor
    alone gives ``arange(len(counts))`` repeated by the counts."""
    if repeats is None:
        counts = input.data
        if counts.ndim != 1 or counts.dtype.kind not in "iu":
            raise OpError("repeat_interleave: repeats must be a 1-D integer tensor")
        positions = array_module(counts).arange(counts.shape[0], dtype=np.int64)
        return _t.Tensor._make(array_module(counts).repeat(positions, counts))
    x = input.reshape(-1) if dim is None else input
    axis = 0 if dim is None else fn._one_dim(dim, x.ndim, "repeat_interleave")
    if x.ndim == 0:
        x, axis = x.reshape(1), 0
    size = x.shape[axis]
    xp = array_module(x.data)
    if isinstance(repeats, _t.Tensor):
        counts = repeats.data.reshape(-1).astype(np.int64)
        if counts.shape[0] == 1:
            counts = xp.full(size, int(counts[0]), dtype=np.int64)
    else:
        counts = xp.full(size, int(repeats), dtype=np.int64)
    if counts.shape[0] != size:
        raise OpError(
            f"repeat_interleave: repeats must have the same size as input along dim, but got "
            f"repeats.size(0) = {counts.shape[0]} and input.size({axis}) = {size}"
        )
    if bool((counts < 0).any()):
        raise OpError("repeat_interleave: repeats can not be negative")
    source = xp.repeat(xp.arange(size, dtype=np.int64), counts)
    return x[(slice(None),) * axis + (source,)]


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors; ``indexing='ij'`` (PyTorch's default) or ``'xy'``."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise OpError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for v in tensors:
        if v.ndim > 1:
            raise OpError(f"meshgrid: expects 0-D or 1-D tensors, got shape {tuple(v.shape)}")
    vectors = [v.reshape(-1) for v in tensors]
    swap = indexing == "xy" and len(vectors) >= 2
    if swap:
        vectors[0], vectors[1] = vectors[1], vectors[0]
    shape = tuple(v.shape[0] for v in vectors)
    grids = []
    for i, v in enumerate(vectors):
        view = [1] * len(vectors)
        view[i] = shape[i]
        grids.append(v.reshape(view).expand(shape))
    if swap:  # the grids of (y, x, ...) in 'ij' order are those of (x, y, ...) in 'xy' order
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


# -- stacking of any-rank tensors ----------------------------------------------------------------
def ravel(input: Tensor) -> Tensor:  # noqa: A002
    return input.reshape(-1)


def atleast_1d(*tensors):
    out = tuple(t.reshape(1) if t.ndim == 0 else t for t in _listed(tensors))
    return out[0] if len(out) == 1 else out


def atleast_2d(*tensors):
    out = tuple(t.reshape((1,) * (2 - t.ndim) + t.shape) if t.ndim < 2 else t
                for t in _listed(tensors))  # fmt: skip
    return out[0] if len(out) == 1 else out


def _listed(tensors: tuple) -> tuple:
    return tuple(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], list | tuple) else (
        tensors)  # fmt: skip


def hstack(tensors) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors), as ``numpy.hstack``."""
    tensors = [atleast_1d(t) for t in tensors]
    return fn.cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Join along dim 0, 1-D tensors as rows."""
    return fn.cat([atleast_2d(t) for t in tensors], 0)


def column_stack(tensors) -> Tensor:
    """Join along dim 1, 0-D and 1-D tensors as columns."""
    return fn.cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], 1)
