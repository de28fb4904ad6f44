"""The everyday API of PyTorch scripts: comparisons, tests of values, casts by example, rounding
and integer division, logarithms in bases 2 and 10 (products, scans and diagonals are in
``functions_scans.py``). Each is ``tg.name(x, ...)`` and, where PyTorch has one, the method
``x.name(...)`` (listed in the Tensor's class body).

Results that are not differentiable (bool masks, indices) are plain tensors outside the graph.
This module and ``tensor.py`` are one layer, as ``functions.py``.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import numpy as np

from . import functions as fn
from . import tensor as _t
from .backends import array_module
from .dtypes import as_dtype
from .errors import OpError
from .operands import coerce_pair
from .ops import logexp, rounding

if TYPE_CHECKING:
    from .tensor import Tensor


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
            raise OpError(f"type: unknown tensor type {dtype!r}")
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
        raise OpError(f"{name}: ZeroDivisionError (an integer divisor is zero)")
    return a, b


def div(input, other, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """``input / other``: true division (integers give float32), or rounded down
    (``rounding_mode="floor"``) or towards zero (``"trunc"``), which keep integer dtypes."""
    if rounding_mode is None:
        return input / other if isinstance(input, _t.Tensor) else other.__rtruediv__(input)
    ops = {"floor": rounding.FLOOR_DIVIDE, "trunc": rounding.TRUNC_DIVIDE}
    if rounding_mode not in ops:
        raise OpError(
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
