"""Shape functions of issue 13, PyTorch's signatures: split, chunk, unbind, repeat, flip, roll.

Compositions of slicing, reshape/expand and indexing, so their gradients come from those
primitives' VJPs (``repeat``'s sums the copies, ``roll``'s reads the shifted positions back).
"""

from __future__ import annotations

import builtins
import math
from typing import TYPE_CHECKING

import numpy as np

from .backends import array_module
from .functions import _one_dim, dims
from .ops import shape as shape_ops

if TYPE_CHECKING:
    from .tensor import Tensor


def _slices_along(x: Tensor, axis: int, sizes: list[int]) -> tuple:
    out, start = [], 0
    for n in sizes:
        out.append(x[(slice(None),) * axis + (slice(start, start + n),)])
        start += n
    return tuple(out)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size_or_sections`` along ``dim`` (the last may be smaller), or pieces
    of the listed sizes, which must add up to the dim's size."""
    axis = _one_dim(dim, tensor.ndim, "split")
    if tensor.ndim == 0:
        raise RuntimeError("split: cannot split a 0-d tensor")
    length = tensor.shape[axis]
    if isinstance(split_size_or_sections, int | np.integer):
        size = int(split_size_or_sections)
        if size <= 0 and not (size == 0 and length == 0):
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [builtins.min(size, length - s) for s in range(0, length, size)] or [0]
    else:
        sizes = [int(n) for n in split_size_or_sections]
        if builtins.any(n < 0 for n in sizes) or builtins.sum(sizes) != length:
            raise ValueError(
                f"split: sections {sizes} must be non-negative and add up to the size {length} "
                f"of dim {axis}"
            )
    return _slices_along(tensor, axis, sizes)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """``chunks`` pieces along ``dim`` of ceil(size / chunks) each (fewer when the size does
    not allow that many, as PyTorch)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    axis = _one_dim(dim, input.ndim, "chunk")
    length = input.shape[axis] if input.ndim else 1
    return split(input, builtins.max(-(-length // chunks), 1), axis)


def unbind(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    """The slices along ``dim``, that dim removed: ``x.unbind(0)`` is ``(x[0], x[1], ...)``.
    Their gradients are added in place into one buffer (``ops.shape.IndexedGrad``), so
    backward through all of them costs one pass over ``input``, not one per slice."""
    if input.ndim == 0:
        raise IndexError("unbind: dimension specified as 0 but tensor has no dimensions")
    axis = _one_dim(dim, input.ndim, "unbind")
    return tuple(input[(slice(None),) * axis + (i,)] for i in range(input.shape[axis]))


def repeat(input: Tensor, *sizes) -> Tensor:  # noqa: A002
    """Tile ``input`` ``sizes[d]`` times along each dim (``sizes`` may add leading dims), as
    ``Tensor.repeat``; the gradient sums the copies."""
    if len(sizes) == 1 and not isinstance(sizes[0], int | np.integer):
        sizes = tuple(sizes[0])
    sizes = tuple(int(n) for n in sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"repeat: {len(sizes)} repeat counts are fewer than the tensor's {input.ndim} dims"
        )
    if builtins.any(n < 0 for n in sizes):
        raise RuntimeError(f"repeat: repeat counts must be non-negative, got {sizes}")
    shape = (1,) * (len(sizes) - input.ndim) + input.shape
    interleaved = tuple(v for n in shape for v in (1, n))
    target = tuple(v for r, n in zip(sizes, shape) for v in (r, n))
    out = input.reshape(interleaved).expand(target)
    return out.reshape(tuple(r * n for r, n in zip(sizes, shape)))


def flip(input: Tensor, dims, *more_dims) -> Tensor:  # noqa: A002
    """``input`` reversed along each of ``dims`` (a list, or ints as ``x.flip(0, 1)``)."""
    if more_dims:
        dims = (dims, *more_dims)
    axes = _dims_list(dims, input.ndim, "flip")
    if not axes:
        return input
    key = tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(input.ndim))
    return shape_ops.INDEX(input, key=key)


def _dims_list(value, ndim: int, op: str) -> tuple:
    given = dims(value, ndim, op)
    return () if given is None else given


def roll(input: Tensor, shifts, dims=None) -> Tensor:  # noqa: A002, F811
    """Shift the elements along ``dims`` by ``shifts`` cyclically; without ``dims`` the
    flattened tensor is rolled and the shape restored."""
    if dims is None:
        if not isinstance(shifts, int | np.integer):
            raise RuntimeError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        return roll(input.reshape(-1), shifts, 0).reshape(input.shape)
    shifts = (shifts,) if isinstance(shifts, int | np.integer) else tuple(shifts)
    axes = (dims,) if isinstance(dims, int | np.integer) else tuple(dims)
    if len(shifts) != len(axes):
        raise RuntimeError(f"roll: shifts {shifts} and dims {axes} must have the same length")
    out = input
    xp = array_module(input.data)
    for shift, d in zip(shifts, axes):
        axis = _one_dim(d, input.ndim, "roll")
        n = input.shape[axis]
        if n == 0 or int(shift) % n == 0:
            continue
        source = (xp.arange(n, dtype=np.int64) - int(shift)) % n
        out = shape_ops.INDEX(out, key=(slice(None),) * axis + (source,))
    return out


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:  # noqa: A002
    """``input`` with dim ``dim`` split into ``sizes`` (one of them may be -1, inferred)."""
    axis = _one_dim(dim, input.ndim, "unflatten")
    sizes = tuple(int(n) for n in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = int(math.prod(n for n in sizes if n != -1))
    size = input.shape[axis] if input.ndim else 1
    if (
        sizes.count(-1) > 1
        or (-1 not in sizes and known != size)
        or (-1 in sizes and (known == 0 or size % known))
    ):
        raise RuntimeError(
            f"unflatten: provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{dim} ({size}) in the input tensor of shape {tuple(input.shape)}"
        )
    sizes = tuple(size // known if n == -1 else n for n in sizes)
    return input.reshape(input.shape[:axis] + sizes + input.shape[axis + 1 :])


__all__ = ["chunk", "flip", "repeat", "roll", "split", "unbind", "unflatten"]
