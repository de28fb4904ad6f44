"""Logarithms and powers in bases 2 and 10: log2, log10, exp2."""

import math

from ..backends import array_module
from .registry import defop


def _log2(x):
    return array_module(x).log2(x)


def _log10(x):
    return array_module(x).log10(x)


def _exp2(x):
    return array_module(x).exp2(x)


def _log2_vjp(grad, out, x):
    """d log2(x)/dx = 1 / (x ln 2)"""
    return grad / (x * math.log(2.0))


def _log10_vjp(grad, out, x):
    """d log10(x)/dx = 1 / (x ln 10)"""
    return grad / (x * math.log(10.0))


def _exp2_vjp(grad, out, x):
    """d 2^x/dx = 2^x ln 2"""
    return grad * out * math.log(2.0)


LOG2 = defop("log2", _log2, (_log2_vjp,))
LOG10 = defop("log10", _log10, (_log10_vjp,))
EXP2 = defop("exp2", _exp2, (_exp2_vjp,), save_out=True)
