"""More unary primitives of PyTorch's everyday API: log1p and expm1 (precise near 0, where
log(1 + x) and exp(x) - 1 lose every digit), the inverse trigonometric and the hyperbolic
functions and their inverses, erfinv, and the copies clone and contiguous.

Their derivatives need their own formulas (and, for sinh/cosh near 0, their own forwards), so
each is a primitive; the VJPs are written with tensorgrad ops, as everywhere.
"""

import math

from ..backends import array_module, backend_of
from .math import _erf  # the float64 erf that erfinv's Newton steps invert
from .registry import defop

# Giles (2010), "Approximating the erfinv function": a first guess good to float32's precision
_GILES_CENTRE = (
    2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
    -0.00125372503, -0.00417768164, 0.246640727, 1.50140941,
)  # fmt: skip
_GILES_TAIL = (
    -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
    -0.0076224613, 0.00943887047, 1.00167406, 2.83297682,
)  # fmt: skip


def _quiet(t):
    """The errstate that keeps an infinite derivative at a domain edge silent (as PyTorch)."""
    return backend_of(t.data).errstate(divide="ignore", invalid="ignore")


def _log1p(x):
    with backend_of(x).errstate(divide="ignore", invalid="ignore"):  # NaN/inf outside, quietly
        return array_module(x).log1p(x)


def _log1p_vjp(grad, out, x):
    """d log(1 + x)/dx = 1 / (1 + x)"""
    with _quiet(x):
        return grad / (x + 1.0)


def _expm1(x):
    return array_module(x).expm1(x)


def _expm1_vjp(grad, out, x):
    """d (exp(x) - 1)/dx = exp(x) = out + 1"""
    return grad * (out + 1.0)


def _asin(x):
    with backend_of(x).errstate(divide="ignore", invalid="ignore"):  # NaN/inf outside, quietly
        return array_module(x).arcsin(x)


def _asin_vjp(grad, out, x):
    """d asin(x)/dx = 1 / sqrt(1 - x^2)"""
    with _quiet(x):
        return grad / (1.0 - x * x).sqrt()


def _acos(x):
    with backend_of(x).errstate(divide="ignore", invalid="ignore"):  # NaN/inf outside, quietly
        return array_module(x).arccos(x)


def _acos_vjp(grad, out, x):
    """d acos(x)/dx = -1 / sqrt(1 - x^2)"""
    with _quiet(x):
        return -grad / (1.0 - x * x).sqrt()


def _atan(x):
    return array_module(x).arctan(x)


def _atan_vjp(grad, out, x):
    """d atan(x)/dx = 1 / (1 + x^2)"""
    return grad / (x * x + 1.0)


def _sinh(x):
    return array_module(x).sinh(x)


def _sinh_vjp(grad, out, x):
    """d sinh(x)/dx = cosh(x)"""
    return grad * COSH(x)


def _cosh(x):
    return array_module(x).cosh(x)


def _cosh_vjp(grad, out, x):
    """d cosh(x)/dx = sinh(x)"""
    return grad * SINH(x)


def _asinh(x):
    return array_module(x).arcsinh(x)


def _asinh_vjp(grad, out, x):
    """d asinh(x)/dx = 1 / sqrt(x^2 + 1)"""
    return grad / (x * x + 1.0).sqrt()


def _acosh(x):
    with backend_of(x).errstate(divide="ignore", invalid="ignore"):  # NaN/inf outside, quietly
        return array_module(x).arccosh(x)


def _acosh_vjp(grad, out, x):
    """d acosh(x)/dx = 1 / sqrt((x - 1)(x + 1))"""
    with _quiet(x):
        return grad / ((x - 1.0) * (x + 1.0)).sqrt()


def _atanh(x):
    with backend_of(x).errstate(divide="ignore", invalid="ignore"):  # NaN/inf outside, quietly
        return array_module(x).arctanh(x)


def _atanh_vjp(grad, out, x):
    """d atanh(x)/dx = 1 / (1 - x^2)"""
    with _quiet(x):
        return grad / (1.0 - x * x)


def _polynomial(coefficients, w):
    out = w * 0.0 + coefficients[0]
    for c in coefficients[1:]:
        out = out * w + c
    return out


def _erfinv(x):
    """Giles' guess, then two Newton steps on erf in float64 (erf(erfinv(x)) = x to 1e-16
    absolute: float64-precise except within ~1e-8 of +-1, where erf flattens)."""
    xp = array_module(x)
    with backend_of(x).errstate(divide="ignore", invalid="ignore"):
        a = x.astype("float64")
        inside = xp.abs(a) < 1.0
        safe = xp.where(inside, a, 0.0)
        w = -xp.log((1.0 - safe) * (1.0 + safe))
        centre = _polynomial(_GILES_CENTRE, w - 2.5)
        tail = _polynomial(_GILES_TAIL, xp.sqrt(w) - 3.0)
        y = xp.where(w < 5.0, centre, tail) * safe
        for _ in range(2):
            y = y - (_erf(y) - safe) / (_TWO_OVER_SQRT_PI * xp.exp(-y * y))
        edge = xp.where(xp.abs(a) == 1.0, a * math.inf, math.nan)
        return xp.where(inside, y, edge).astype(x.dtype)


def _erfinv_vjp(grad, out, x):
    """d erfinv(x)/dx = sqrt(pi)/2 * exp(erfinv(x)^2)"""
    with _quiet(x):
        return grad * ((out * out).exp() * (math.sqrt(math.pi) / 2.0))


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _clone(x):
    return x.copy(order="K")  # keeps the layout, as PyTorch's preserve_format


def _contiguous(x):
    return array_module(x).ascontiguousarray(x)


def _copy_vjp(grad, out, x):
    """d copy(x)/dx = 1"""
    return grad


LOG1P = defop("log1p", _log1p, (_log1p_vjp,))
EXPM1 = defop("expm1", _expm1, (_expm1_vjp,), save_out=True)
ASIN = defop("asin", _asin, (_asin_vjp,))
ACOS = defop("acos", _acos, (_acos_vjp,))
ATAN = defop("atan", _atan, (_atan_vjp,))
SINH = defop("sinh", _sinh, (_sinh_vjp,))
COSH = defop("cosh", _cosh, (_cosh_vjp,))
ASINH = defop("asinh", _asinh, (_asinh_vjp,))
ACOSH = defop("acosh", _acosh, (_acosh_vjp,))
ATANH = defop("atanh", _atanh, (_atanh_vjp,))
ERFINV = defop("erfinv", _erfinv, (_erfinv_vjp,), save_out=True)
CLONE = defop("clone", _clone, (_copy_vjp,))
CONTIGUOUS = defop("contiguous", _contiguous, (_copy_vjp,))
