"""PyTorch's named arithmetic and elementwise math: add/sub/mul with ``alpha``, pow, square,
rsqrt, reciprocal, log1p, expm1, clamp with tensor bounds, the inverse trigonometric and
hyperbolic functions, atan2, hypot, lerp, addcmul/addcdiv, the logical ops, fmax/fmin,
nan_to_num, frac, sgn, signbit, logit, nansum/nanmean. Each is ``tg.name(x, ...)`` and, where
PyTorch has it, the method ``x.name(...)`` (listed in the Tensor's class body).

Integer inputs of the floating functions compute in float32, as PyTorch's. This module and
``tensor.py`` are one layer, as ``functions.py``.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import numpy as np

from . import functions as fn
from . import tensor as _t
from .backends import array_module, backend_of
from .errors import OpError
from .operands import coerce_pair
from .ops import binary_more, rounding, unary_more
from .ops import elementwise as ew

if TYPE_CHECKING:
    from .tensor import Tensor


def _floating(x: Tensor) -> Tensor:
    return x if x.dtype.kind in "fc" else x.float()


def _tensor(input, name: str) -> Tensor:  # noqa: A002 (PyTorch's names)
    if not isinstance(input, _t.Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input


def _plain(data) -> Tensor:
    return _t.Tensor._make(data)


def _scaled(other, alpha, input: Tensor, name: str):  # noqa: A002
    """``alpha * other``; a floating ``alpha`` with integer tensors is an error, as PyTorch."""
    if alpha == 1:
        return other
    kinds = {input.dtype.kind} | ({other.dtype.kind} if isinstance(other, _t.Tensor) else set())
    if isinstance(alpha, builtins.float) and kinds <= set("biu"):
        raise OpError(
            f"{name}: for integral input tensors, argument alpha must not be a floating point "
            "number."
        )
    return other * alpha


# -- arithmetic by name -----------------------------------------------------------------------
def add(input: Tensor, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``input + alpha * other``."""
    return _tensor(input, "add") + _scaled(other, alpha, input, "add")


def sub(input: Tensor, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``input - alpha * other``."""
    input = _tensor(input, "sub")
    if input.dtype == np.bool_ and isinstance(other, _t.Tensor) and other.dtype == np.bool_:
        raise OpError("sub: subtraction with two bool tensors is not supported; use ^ or ~")
    return input - _scaled(other, alpha, input, "sub")


def mul(input: Tensor, other) -> Tensor:  # noqa: A002
    return _tensor(input, "mul") * other


def true_divide(dividend: Tensor, divisor) -> Tensor:
    """``dividend / divisor``, integers giving float32 (``div`` without a rounding mode)."""
    return _tensor(dividend, "true_divide") / divisor


def pow(input, exponent) -> Tensor:  # noqa: A001, A002
    """``input ** exponent``; either may be a number (not both)."""
    if isinstance(input, _t.Tensor):
        return input**exponent
    if isinstance(exponent, _t.Tensor):
        return exponent.__rpow__(input)
    raise TypeError("pow: input or exponent must be a Tensor")


def square(input: Tensor) -> Tensor:  # noqa: A002
    x = input.long() if input.dtype == np.bool_ else input
    return x * x


def rsqrt(input: Tensor) -> Tensor:  # noqa: A002
    """1 / sqrt(x)."""
    x = _floating(input)
    with backend_of(x.data).errstate(divide="ignore"):
        return 1.0 / ew.SQRT(x)


def reciprocal(input: Tensor) -> Tensor:  # noqa: A002
    """1 / x (integers give float32)."""
    x = _floating(input)
    with backend_of(x.data).errstate(divide="ignore"):
        return 1.0 / x


def log1p(input: Tensor) -> Tensor:  # noqa: A002
    """log(1 + x), precise for small x."""
    return unary_more.LOG1P(_floating(input))


def expm1(input: Tensor) -> Tensor:  # noqa: A002
    """exp(x) - 1, precise for small x."""
    return unary_more.EXPM1(_floating(input))


# -- clamp with number or tensor bounds ---------------------------------------------------------
def _bound_is_float(bound) -> bool:
    if isinstance(bound, _t.Tensor):
        return bound.dtype.kind == "f"
    return isinstance(bound, builtins.float)


def clamp(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A001, A002
    """Limit values to [min, max] (numbers or broadcastable tensors; min > max gives max). The
    input's gradient passes where min <= x <= max; a tensor bound takes it where it won."""
    if min is None and max is None:
        raise OpError("clamp: at least one of 'min' or 'max' must not be None")
    x = input
    if x.dtype.kind in "biu" and (_bound_is_float(min) or _bound_is_float(max)):
        x = x.float()
    if not isinstance(min, _t.Tensor) and not isinstance(max, _t.Tensor):
        return ew.CLAMP(x, min=min, max=max)
    if min is not None:
        x, low = coerce_pair(x, min)
        x = fn.where(x < low, low, x)
    if max is not None:
        x, high = coerce_pair(x, max)
        x = fn.where(x > high, high, x)
    return x


def clamp_min(input: Tensor, min) -> Tensor:  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A002
    return clamp(input, max=max)


# -- trigonometric and hyperbolic ---------------------------------------------------------------
def asin(input: Tensor) -> Tensor:  # noqa: A002
    return unary_more.ASIN(_floating(input))


def acos(input: Tensor) -> Tensor:  # noqa: A002
    return unary_more.ACOS(_floating(input))


def atan(input: Tensor) -> Tensor:  # noqa: A002
    return unary_more.ATAN(_floating(input))


def tan(input: Tensor) -> Tensor:  # noqa: A002
    """sin(x) / cos(x)."""
    x = _floating(input)
    return x.sin() / x.cos()


def sinh(input: Tensor) -> Tensor:  # noqa: A002
    return unary_more.SINH(_floating(input))


def cosh(input: Tensor) -> Tensor:  # noqa: A002
    return unary_more.COSH(_floating(input))


def asinh(input: Tensor) -> Tensor:  # noqa: A002
    return unary_more.ASINH(_floating(input))


def acosh(input: Tensor) -> Tensor:  # noqa: A002
    return unary_more.ACOSH(_floating(input))


def atanh(input: Tensor) -> Tensor:  # noqa: A002
    return unary_more.ATANH(_floating(input))


def erfinv(input: Tensor) -> Tensor:  # noqa: A002
    """The inverse of erf on (-1, 1) (+-inf at +-1, NaN outside)."""
    return unary_more.ERFINV(_floating(input))


def _float_pair(input, other, name: str) -> tuple:  # noqa: A002
    a, b = coerce_pair(_tensor(input, name), other)
    return (a, b) if a.dtype.kind == "f" else (a.float(), b.float())


def atan2(input: Tensor, other) -> Tensor:  # noqa: A002
    """The angle of the point (other, input): atan(input / other) in the right quadrant."""
    return binary_more.ATAN2(*_float_pair(input, other, "atan2"))


def hypot(input: Tensor, other) -> Tensor:  # noqa: A002
    """sqrt(input^2 + other^2) without overflow."""
    return binary_more.HYPOT(*_float_pair(input, other, "hypot"))


def deg2rad(input: Tensor) -> Tensor:  # noqa: A002
    return _floating(input) * (np.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:  # noqa: A002
    return _floating(input) * (180.0 / np.pi)


# -- interpolation and fused multiply-adds -----------------------------------------------------
def lerp(input: Tensor, end: Tensor, weight) -> Tensor:  # noqa: A002
    """``input + weight * (end - input)``, computed from the nearer end as PyTorch does (so
    weight 1 gives ``end`` exactly)."""
    start, end = coerce_pair(_tensor(input, "lerp"), end)
    diff = end - start
    if not isinstance(weight, _t.Tensor):
        if builtins.abs(weight) < 0.5:
            return start + diff * weight
        return end - diff * (1.0 - weight)
    near = weight.abs() < 0.5
    return fn.where(near, start + weight * diff, end - diff * (1.0 - weight))


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 * tensor2``."""
    product = tensor1 * tensor2
    return _tensor(input, "addcmul") + (product if value == 1 else product * value)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 / tensor2`` (integer tensors are refused, as PyTorch)."""
    if tensor1.dtype.kind in "biu" and tensor2.dtype.kind in "biu":
        raise OpError(
            "addcdiv: integer division with addcdiv is not supported; use true_divide or "
            "floor_divide instead"
        )
    quotient = tensor1 / tensor2
    return _tensor(input, "addcdiv") + (quotient if value == 1 else quotient * value)


# -- logical ops, NaN-aware extremes and replacements --------------------------------------------
def _truth(x) -> object:
    data = x.data if isinstance(x, _t.Tensor) else x
    return data.astype(bool) if data.dtype != np.bool_ else data


def _logical(input: Tensor, other, name: str) -> Tensor:  # noqa: A002
    a, b = coerce_pair(_tensor(input, name), other)
    return _plain(getattr(array_module(a.data), name)(_truth(a), _truth(b)))


def logical_and(input: Tensor, other) -> Tensor:  # noqa: A002
    return _logical(input, other, "logical_and")


def logical_or(input: Tensor, other) -> Tensor:  # noqa: A002
    return _logical(input, other, "logical_or")


def logical_xor(input: Tensor, other) -> Tensor:  # noqa: A002
    return _logical(input, other, "logical_xor")


def logical_not(input: Tensor) -> Tensor:  # noqa: A002
    return _plain(~_truth(_tensor(input, "logical_not")))


def fmax(input: Tensor, other) -> Tensor:  # noqa: A002
    """Elementwise maximum that ignores a NaN (NaN only where both are); a tie's gradient goes
    to ``input``, as PyTorch's."""
    a, b = coerce_pair(_tensor(input, "fmax"), other)
    xp = array_module(a.data)
    return fn.where(_plain((a.data >= b.data) | xp.isnan(b.data)), a, b)


def fmin(input: Tensor, other) -> Tensor:  # noqa: A002
    """Elementwise minimum that ignores a NaN, as ``fmax``."""
    a, b = coerce_pair(_tensor(input, "fmin"), other)
    xp = array_module(a.data)
    return fn.where(_plain((a.data <= b.data) | xp.isnan(b.data)), a, b)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:  # noqa: A002
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (the dtype's largest
    and smallest finite values by default); the gradient passes at finite values only."""
    x = _tensor(input, "nan_to_num")
    if x.dtype.kind != "f":
        return x.clone()
    info = np.finfo(x.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    xp = array_module(x.data)
    data = x.data
    fill = xp.where(xp.isnan(data), nan, xp.where(data > 0, posinf, neginf)).astype(x.dtype)
    return fn.where(_plain(xp.isfinite(data)), x, _plain(fill))


def frac(input: Tensor) -> Tensor:  # noqa: A002
    """x - trunc(x): the fractional part, with x's sign."""
    x = _tensor(input, "frac")
    if x.dtype.kind != "f":
        raise OpError(f"frac: not implemented for integer or bool tensors ({x.dtype})")
    return x - rounding.TRUNC(x)


def sgn(input: Tensor) -> Tensor:  # noqa: A002
    """sign(x) for real tensors (PyTorch's sgn extends it to complex numbers)."""
    return rounding.SIGN(_tensor(input, "sgn"))


def signbit(input: Tensor) -> Tensor:  # noqa: A002
    """True where the sign bit is set (-0.0 and negative numbers), a bool tensor."""
    x = _tensor(input, "signbit")
    return _plain(array_module(x.data).signbit(x.data))


def logit(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    """log(x / (1 - x)); with ``eps``, x is clamped to [eps, 1 - eps] first."""
    x = _floating(_tensor(input, "logit"))
    if eps is not None:
        x = ew.CLAMP(x, min=eps, max=1.0 - eps)
    with backend_of(x.data).errstate(divide="ignore", invalid="ignore"):
        return (x / (1.0 - x)).log()


def _nan_zeroed(x: Tensor) -> Tensor:
    if x.dtype.kind != "f":
        return x
    return fn.where(_plain(array_module(x.data).isnan(x.data)), 0.0, x)


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The sum with NaNs counted as zero; their gradient is zero."""
    x = _tensor(input, "nansum") if dtype is None else input.to(dtype)
    return _nan_zeroed(x).sum(dim, keepdim)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The mean of the non-NaN values (NaN where there are none)."""
    x = _tensor(input, "nanmean") if dtype is None else input.to(dtype)
    if x.dtype.kind != "f":
        raise OpError(f"nanmean: needs a floating-point tensor, got {x.dtype}")
    xp = array_module(x.data)
    counts = (~xp.isnan(x.data)).sum(axis=fn.dims(dim, x.ndim, "nanmean"), keepdims=keepdim)
    with backend_of(x.data).errstate(divide="ignore", invalid="ignore"):
        return _nan_zeroed(x).sum(dim, keepdim) / _plain(counts.astype(x.dtype))
