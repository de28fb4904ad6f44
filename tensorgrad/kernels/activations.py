"""GELU's forward and backward, one pass each, on flat contiguous arrays (elements ``lo:hi``).

Each kernel indexes views of its slice from 0: a loop indexing the whole arrays from ``lo``
took 2.3x longer, and 8x when the output lay just past the input in memory (as the allocator
places them), where LLVM's runtime overlap check sent it to the scalar loop.

PyTorch's formulas (``tensorgrad.backends.special``); float32 through the vectorisable
``vector_math`` functions, float64 through ``math``'s. The float32 kernels do the very float32
operations of ``special``'s array code, in its order and without fastmath (no fused or
reassociated multiply-adds), so the CPU and the array-module devices give the same bits:
parameters whose gradient is rounding noise otherwise take opposite Adam steps.
``tanh_form`` selects ``approximate="tanh"``; in float32 its ``1 + tanh(u)`` and
``1 - tanh(u)^2`` come from ``e = exp(-2|u|)`` as ``2 / (1 + e)`` (or ``2e / (1 + e)`` for
u < 0) and ``4e / (1 + e)^2``, which cancel nowhere (``1 - tanh^2`` near tanh = 1 loses every
digit in float32).
"""

import math

import numpy as np

from .config import EXACT_JIT, JIT, njit
from .spin import announce
from .vector_math import erf32, exp32

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_BETA, _KAPPA = math.sqrt(2.0 / math.pi), 0.044715


@njit(**EXACT_JIT)
def _tanh_parts32(u):
    """(1 + tanh(u), 1 - tanh(u)^2) without cancellation (``special.tanh_parts32``)."""
    e = exp32(abs(u) * np.float32(-2.0))
    inv = np.float32(1.0) / (e + np.float32(1.0))
    plus = (inv * np.float32(2.0)) * (e if u < 0 else np.float32(1.0))
    return plus, ((e * np.float32(4.0)) * inv) * inv


@njit(**EXACT_JIT)
def gelu32(x, tanh_form, lo, hi, out, entered=None):
    announce(entered)
    half, one = np.float32(0.5), np.float32(1.0)
    x, out = x[lo:hi], out[lo:hi]
    if tanh_form:
        beta, kappa = np.float32(_BETA), np.float32(_KAPPA)
        for i in range(x.size):
            v = x[i]
            u = (((v * v) * v) * kappa + v) * beta
            out[i] = (v * half) * _tanh_parts32(u)[0]
    else:
        root = np.float32(_SQRT_HALF)
        for i in range(x.size):
            v = x[i]
            out[i] = (v * half) * (erf32(v * root) + one)


@njit(**EXACT_JIT)
def gelu_grad32(g, x, tanh_form, lo, hi, out, entered=None):
    announce(entered)
    half, one = np.float32(0.5), np.float32(1.0)
    g, x, out = g[lo:hi], x[lo:hi], out[lo:hi]
    if tanh_form:
        beta, kappa = np.float32(_BETA), np.float32(_KAPPA)
        three_kappa = np.float32(3.0 * _KAPPA)
        for i in range(x.size):
            v = x[i]
            square = v * v
            plus, sech2 = _tanh_parts32(((square * v) * kappa + v) * beta)
            right = (((v * half) * sech2) * beta) * (square * three_kappa + one)
            out[i] = g[i] * (plus * half + right)
    else:
        root, density = np.float32(_SQRT_HALF), np.float32(_INV_SQRT_2PI)
        for i in range(x.size):
            v = x[i]
            cdf = (erf32(v * root) + one) * half
            pdf = exp32((v * v) * np.float32(-0.5)) * density
            out[i] = g[i] * (v * pdf + cdf)


@njit(**JIT)
def gelu64(x, tanh_form, lo, hi, out, entered=None):
    announce(entered)
    x, out = x[lo:hi], out[lo:hi]
    for i in range(x.size):
        v = x[i]
        if tanh_form:
            out[i] = 0.5 * v * (1.0 + math.tanh(_BETA * (v + _KAPPA * v * v * v)))
        else:
            out[i] = v * 0.5 * (1.0 + math.erf(v * _SQRT_HALF))


@njit(**JIT)
def gelu_grad64(g, x, tanh_form, lo, hi, out, entered=None):
    announce(entered)
    g, x, out = g[lo:hi], x[lo:hi], out[lo:hi]
    for i in range(x.size):
        v = x[i]
        if tanh_form:
            t = math.tanh(_BETA * (v + _KAPPA * v * v * v))
            right = 0.5 * v * (1.0 - t * t) * _BETA * (1.0 + 3.0 * _KAPPA * v * v)
            out[i] = g[i] * (0.5 * (1.0 + t) + right)
        else:
            cdf = 0.5 * (1.0 + math.erf(v * _SQRT_HALF))
            out[i] = g[i] * (cdf + v * math.exp(-0.5 * v * v) * _INV_SQRT_2PI)
