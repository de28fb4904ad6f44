"""Piecewise-constant primitives: round, floor, ceil, trunc, sign, the rounding divisions and
the remainders. Their gradients are zero almost everywhere, as PyTorch defines them.

``remainder`` takes the divisor's sign (Python's ``%``), ``fmod`` the dividend's (C's); the
divisions with ``rounding_mode`` round the true quotient down (``"floor"``, Python's ``//``) or
towards zero (``"trunc"``). Integer inputs stay integer.
"""

from ..backends import array_module
from .registry import defop


def _zero(grad, out, *inputs, **params):
    """d f(x)/dx = 0 for a piecewise-constant f (its steps have no gradient)"""
    return grad * 0.0


def _round(x, *, decimals):
    return array_module(x).round(x, decimals)


def _floor(x):
    return array_module(x).floor(x)


def _ceil(x):
    return array_module(x).ceil(x)


def _trunc(x):
    return array_module(x).trunc(x)


def _sign(x):
    return array_module(x).sign(x)


def _floor_divide(a, b):
    if a.dtype.kind in "iu":
        return a // b
    return array_module(a).floor(a / b)


def _trunc_divide(a, b):
    xp = array_module(a)
    if a.dtype.kind in "iu":  # exact on integers: |a| // |b| with the quotient's sign
        quotient = xp.abs(a) // xp.abs(b)
        return xp.where((a < 0) != (b < 0), -quotient, quotient)
    return xp.trunc(a / b)


def _remainder(a, b):
    return array_module(a).remainder(a, b)


def _fmod(a, b):
    return array_module(a).fmod(a, b)


def _remainder_b(grad, out, a, b):
    """d remainder(a, b)/db = -floor(a / b)"""
    return -grad * FLOOR_DIVIDE(a, b)


def _fmod_b(grad, out, a, b):
    """d fmod(a, b)/db = -trunc(a / b)"""
    return -grad * TRUNC_DIVIDE(a, b)


def _remainder_a(grad, out, a, b):
    """d remainder(a, b)/da = d fmod(a, b)/da = 1"""
    return grad


ROUND = defop("round", _round, (_zero,))
FLOOR = defop("floor", _floor, (_zero,))
CEIL = defop("ceil", _ceil, (_zero,))
TRUNC = defop("trunc", _trunc, (_zero,))
SIGN = defop("sign", _sign, (_zero,))
FLOOR_DIVIDE = defop("floor_divide", _floor_divide, (_zero, _zero))
TRUNC_DIVIDE = defop("trunc_divide", _trunc_divide, (_zero, _zero))
REMAINDER = defop("remainder", _remainder, (_remainder_a, _remainder_b))
FMOD = defop("fmod", _fmod, (_remainder_a, _fmod_b))
