"""Products, scans and diagonals of the everyday API: prod, cumprod, cummax/cummin,
logcumsumexp, diag, diagonal. Each is ``tg.name(x, ...)`` and the method ``x.name(...)``
(listed in the Tensor's class body); the ops live in ``ops/cumulative.py``, diagonals are
indexing. This module and ``tensor.py`` are one layer, as ``functions.py``.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from . import functions as fn
from . import tensor as _t
from .dtypes import as_dtype
from .errors import OpError
from .functions_api import _dim, _floating, _plain
from .ops import cumulative

if TYPE_CHECKING:
    from .tensor import Tensor

CumResult = namedtuple("CumResult", ["values", "indices"])


# -- products and scans ---------------------------------------------------------------------------
def _scan_dim(input: Tensor, dim, name: str) -> builtins.int:  # noqa: A002
    if dim is None:
        raise TypeError(f"{name}: missing the required argument dim")
    return fn._one_dim(dim, input.ndim, name)


def _with_dtype(input: Tensor, dtype) -> Tensor:  # noqa: A002
    return input if dtype is None else input.to(as_dtype(dtype))


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None) -> Tensor:  # noqa: A002
    """The product of all elements, or along one ``dim``; the gradient is the product of the
    other elements, exact where some are zero. Integers and bools multiply as int64."""
    dim = _dim(dim, axis, "prod")
    x = _with_dtype(input, dtype)
    if dtype is None and x.dtype.kind in "biu":
        x = x.to(np.int64)
    if dim is None:
        return cumulative.PROD(x.reshape(-1), dim=0, keepdim=False)
    axis = fn._one_dim(dim, x.ndim, "prod")
    if x.ndim == 0:
        return x
    return cumulative.PROD(x, dim=axis, keepdim=keepdim)


def _scalar_scan(op, input: Tensor, **params):  # noqa: A002
    """A scan of a 0-d tensor: run it on one element and give the 0-d shape back."""
    out = op(input.reshape(1), dim=0, **params)
    return out.reshape(()) if isinstance(out, _t.Tensor) else out


def cumprod(input: Tensor, dim=None, *, dtype=None, axis=None) -> Tensor:  # noqa: A002
    """Running products along ``dim``; the gradient is exact where elements are zero."""
    dim = _scan_dim(input, _dim(dim, axis, "cumprod"), "cumprod")
    x = _with_dtype(input, dtype)
    if dtype is None and x.dtype.kind in "biu":
        x = x.to(np.int64)
    if x.ndim == 0:
        return _scalar_scan(cumulative.CUMPROD, x)
    return cumulative.CUMPROD(x, dim=dim)


def _cum_extreme(input: Tensor, dim, axis, largest: bool, name: str) -> CumResult:  # noqa: A002
    dim = _scan_dim(input, _dim(dim, axis, name), name)
    x = input.reshape(1) if input.ndim == 0 else input
    values, index = cumulative.CUMMAX.with_residual(x, dim=dim, largest=largest)
    indices = _plain(index.astype(np.int64, copy=False))
    if input.ndim == 0:
        return CumResult(values.reshape(()), indices.reshape(()))
    return CumResult(values, indices)


def cummax(input: Tensor, dim=None, *, axis=None) -> CumResult:  # noqa: A002
    """``(values, indices)``: the running maximum along ``dim`` and where it was reached (the
    last position on ties, as PyTorch); the gradient goes to that position."""
    return _cum_extreme(input, dim, axis, True, "cummax")


def cummin(input: Tensor, dim=None, *, axis=None) -> CumResult:  # noqa: A002
    """As ``cummax``, for the running minimum."""
    return _cum_extreme(input, dim, axis, False, "cummin")


def logcumsumexp(input: Tensor, dim=None, *, axis=None) -> Tensor:  # noqa: A002
    """log(cumsum(exp(x))) along ``dim``, without overflow or underflow."""
    dim = _scan_dim(input, _dim(dim, axis, "logcumsumexp"), "logcumsumexp")
    x = _floating(input)
    if x.ndim == 0:
        return _scalar_scan(cumulative.LOGCUMSUMEXP, x)
    return cumulative.LOGCUMSUMEXP(x, dim=dim)


# -- diagonals ------------------------------------------------------------------------------------
def _diagonal_positions(rows: builtins.int, cols: builtins.int, offset: builtins.int):
    """Row and column indices of the ``offset``-th diagonal of a rows x cols matrix."""
    length = builtins.max(
        0, builtins.min(rows - builtins.max(0, -offset), cols - builtins.max(0, offset))
    )
    steps = np.arange(length, dtype=np.int64)
    return steps + builtins.max(0, -offset), steps + builtins.max(0, offset)


def diagonal(
    input: Tensor, offset: builtins.int = 0, dim1: builtins.int = 0, dim2: builtins.int = 1
) -> Tensor:  # noqa: A002
    """The ``offset``-th diagonal of the matrices in dims ``dim1`` and ``dim2``, as a new last
    dim (PyTorch's layout); the gradient goes back onto that diagonal."""
    first, second = (fn._one_dim(d, input.ndim, "diagonal") for d in (dim1, dim2))
    if input.ndim < 2 or first == second:
        raise OpError(
            f"diagonal: needs two different dims of a tensor with at least 2, got dim1={dim1}, "
            f"dim2={dim2} for shape {input.shape}"
        )
    rest = [d for d in range(input.ndim) if d not in (first, second)]
    moved = input.permute(rest + [first, second])
    rows, cols = _diagonal_positions(input.shape[first], input.shape[second], offset)
    return moved[(Ellipsis, rows, cols)]


_diagonal_of = diagonal  # diag's argument takes the name (PyTorch's)


def diag(input: Tensor, diagonal: builtins.int = 0) -> Tensor:  # noqa: A002
    """A 1-D tensor becomes a square matrix with it on the ``diagonal``-th diagonal; a 2-D
    tensor gives its ``diagonal``-th diagonal."""
    if input.ndim == 2:
        return _diagonal_of(input, diagonal)
    if input.ndim != 1:
        raise OpError(f"diag: expected a 1-D or 2-D tensor, got shape {input.shape}")
    size = input.shape[0] + builtins.abs(diagonal)
    key = fn._index_key(_diagonal_positions(size, size, diagonal), input.data)
    return fn.index_put_zeros(input, key, (size, size))
