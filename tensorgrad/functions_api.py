"""The everyday API of PyTorch scripts: comparisons, tests of values, casts by example, rounding
and integer division, products and scans, diagonals. Each is ``tg.name(x, ...)`` and, where
PyTorch has one, the method ``x.name(...)`` (listed in the Tensor's class body).

Results that are not differentiable (bool masks, indices) are plain tensors outside the graph.
This module and ``tensor.py`` are one layer, as ``functions.py``.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from . import functions as fn
from . import tensor as _t
from .backends import array_module
from .dtypes import as_dtype
from .operands import coerce_pair
from .ops import cumulative, logexp, rounding

if TYPE_CHECKING:
    from .tensor import Tensor

CumResult = namedtuple("CumResult", ["values", "indices"])


def _dim(dim, axis, op: str):
    """``dim``, or PyTorch's alias ``axis`` (one of them at most)."""
    if axis is None:
        return dim
    if dim is not None:
        raise TypeError(f"{op}: give dim or its alias axis, not both")
    return axis


def _plain(data) -> Tensor:
    return _t.Tensor._make(data)


# -- comparisons and tests of values --------------------------------------------------------------
def eq(input: Tensor, other) -> Tensor:  # noqa: A002 (PyTorch's names)
    """``input == other`` elementwise, a bool tensor."""
    return input == other


def ne(input: Tensor, other) -> Tensor:  # noqa: A002
    return input != other


def lt(input: Tensor, other) -> Tensor:  # noqa: A002
    return input < other


def le(input: Tensor, other) -> Tensor:  # noqa: A002
    return input <= other


def gt(input: Tensor, other) -> Tensor:  # noqa: A002
    return input > other


def ge(input: Tensor, other) -> Tensor:  # noqa: A002
    return input >= other


def isnan(input: Tensor) -> Tensor:  # noqa: A002
    return _plain(array_module(input.data).isnan(input.data))


def isinf(input: Tensor) -> Tensor:  # noqa: A002
    return _plain(array_module(input.data).isinf(input.data))


def isfinite(input: Tensor) -> Tensor:  # noqa: A002
    return _plain(array_module(input.data).isfinite(input.data))


def isclose(input: Tensor, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:  # noqa: A002
    """``|input - other| <= atol + rtol * |other|`` elementwise (PyTorch's defaults)."""
    a, b = coerce_pair(input, other)
    return _plain(array_module(a.data).isclose(a.data, b.data, rtol, atol, equal_nan))


def allclose(input: Tensor, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    """True when every element is ``isclose`` (a Python bool, as PyTorch)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


def _logical(input: Tensor, dim, keepdim: bool, axis, name: str) -> Tensor:  # noqa: A002
    axes = fn.dims(_dim(dim, axis, name), input.ndim, name)
    reduce = getattr(input.data.astype(bool), name)
    return _plain(reduce(axis=axes, keepdims=keepdim))


def all(input: Tensor, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:  # noqa: A001, A002
    """True where every element along ``dim`` (all of them by default) is nonzero."""
    return _logical(input, dim, keepdim, axis, "all")


def any(input: Tensor, dim=None, keepdim: bool = False, *, axis=None) -> Tensor:  # noqa: A001, A002
    """True where some element along ``dim`` (any of them by default) is nonzero."""
    return _logical(input, dim, keepdim, axis, "any")


def nonzero(input: Tensor, *, as_tuple: bool = False):  # noqa: A002
    """The indices of the nonzero elements: an (n, ndim) int64 tensor in row-major order, or
    with ``as_tuple`` one 1-D tensor per dim (a 0-d input counts as 1-D there, as PyTorch)."""
    data = input.data
    xp = array_module(data)
    if data.ndim == 0:
        count = builtins.int(bool(data))
        if as_tuple:
            return (_plain(xp.zeros(count, dtype=np.int64)),)
        return _plain(xp.zeros((count, 0), dtype=np.int64))
    found = tuple(i.astype(np.int64, copy=False) for i in xp.nonzero(data))
    if as_tuple:
        return tuple(_plain(i) for i in found)
    return _plain(xp.stack(found, axis=1))


# -- casts and shapes by example ------------------------------------------------------------------
_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor",
}  # fmt: skip
_TYPES_BY_NAME = {name: np.dtype(dtype) for dtype, name in _TYPE_NAMES.items()}


def view_as(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``input`` reshaped to ``other``'s shape."""
    return input.reshape(other.shape)


def type_as(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``input`` cast to ``other``'s dtype (itself when it has it)."""
    return input.to(other.dtype)


def type(input: Tensor, dtype=None):  # noqa: A001, A002
    """Without ``dtype``: the type string, PyTorch's with 'tensorgrad' for 'torch'
    ('tensorgrad.FloatTensor', 'tensorgrad.cuda.LongTensor'). With one (a dtype or such a
    string): the tensor cast to it."""
    if dtype is None:
        name = _TYPE_NAMES.get(str(input.dtype), f"{input.dtype}Tensor")
        where = "" if input.device.type == "cpu" else f"{input.device.type}."
        return f"tensorgrad.{where}{name}"
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        name = dtype.rpartition(".")[2]
        if name not in _TYPES_BY_NAME:
            raise ValueError(f"type: unknown tensor type {dtype!r}")
        dtype = _TYPES_BY_NAME[name]
    return input.to(as_dtype(dtype))


def int(input: Tensor) -> Tensor:  # noqa: A001, A002
    """``input`` cast to int32 (PyTorch's ``Tensor.int``)."""
    return input.to(np.int32)


# -- rounding, signs, division and remainders -----------------------------------------------------
def _integer(x: Tensor) -> bool:
    return x.dtype.kind in "biu"


def round(input: Tensor, *, decimals: builtins.int = 0) -> Tensor:  # noqa: A001, A002
    """Round half to even, to ``decimals`` places; the gradient is zero."""
    return input if _integer(input) and decimals >= 0 else rounding.ROUND(input, decimals=decimals)


def floor(input: Tensor) -> Tensor:  # noqa: A002
    """The largest integer <= x (an integer tensor is returned as it is); zero gradient."""
    return input if _integer(input) else rounding.FLOOR(input)


def ceil(input: Tensor) -> Tensor:  # noqa: A002
    return input if _integer(input) else rounding.CEIL(input)


def trunc(input: Tensor) -> Tensor:  # noqa: A002
    """Round towards zero; zero gradient."""
    return input if _integer(input) else rounding.TRUNC(input)


def sign(input: Tensor) -> Tensor:  # noqa: A002
    """-1, 0 or 1 (0 for 0, NaN for NaN); zero gradient."""
    return rounding.SIGN(input)


def _operands(input, other, name: str) -> tuple:
    if isinstance(input, _t.Tensor):
        a, b = coerce_pair(input, other)
    elif isinstance(other, _t.Tensor):
        a, b = coerce_pair(other, input, reflected=True)
    else:
        raise TypeError(f"{name}: input or other must be a Tensor")
    if _integer(a) and bool((b.data == 0).any()):
        raise RuntimeError(f"{name}: ZeroDivisionError (an integer divisor is zero)")
    return a, b


def div(input, other, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """``input / other``: true division (integers give float32), or rounded down
    (``rounding_mode="floor"``) or towards zero (``"trunc"``), which keep integer dtypes."""
    if rounding_mode is None:
        return input / other if isinstance(input, _t.Tensor) else other.__rtruediv__(input)
    ops = {"floor": rounding.FLOOR_DIVIDE, "trunc": rounding.TRUNC_DIVIDE}
    if rounding_mode not in ops:
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"{rounding_mode!r}"
        )
    return ops[rounding_mode](*_operands(input, other, "div"))


def floor_divide(input, other) -> Tensor:  # noqa: A002
    """``input // other``: the quotient rounded down, as Python's ``//``."""
    return div(input, other, rounding_mode="floor")


def remainder(input, other) -> Tensor:  # noqa: A002
    """``input % other`` with the divisor's sign (Python's rule): a - floor(a / b) * b."""
    return rounding.REMAINDER(*_operands(input, other, "remainder"))


def fmod(input, other) -> Tensor:  # noqa: A002
    """The remainder with the dividend's sign (C's rule): a - trunc(a / b) * b."""
    return rounding.FMOD(*_operands(input, other, "fmod"))


def _rfloordiv(self: Tensor, other) -> Tensor:
    return floor_divide(other, self)


def _rremainder(self: Tensor, other) -> Tensor:
    return remainder(other, self)


# -- logarithms and powers of 2 and 10 ------------------------------------------------------------
def _floating(x: Tensor) -> Tensor:
    return x if x.is_floating_point() else x.float()


def log2(input: Tensor) -> Tensor:  # noqa: A002
    return logexp.LOG2(_floating(input))


def log10(input: Tensor) -> Tensor:  # noqa: A002
    return logexp.LOG10(_floating(input))


def exp2(input: Tensor) -> Tensor:  # noqa: A002
    return logexp.EXP2(_floating(input))


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
        raise ValueError(
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
        raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {input.shape}")
    size = input.shape[0] + builtins.abs(diagonal)
    key = fn._index_key(_diagonal_positions(size, size, diagonal), input.data)
    return fn.index_put_zeros(input, key, (size, size))
