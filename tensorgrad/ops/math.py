"""Unary math and activation primitives: sin, cos, erf, softplus, leaky_relu, elu; and cumsum.

The activations with a kink or a threshold (leaky_relu, elu, softplus) are primitives so that
their gradients follow PyTorch's choice at the kink; the smooth composites (silu, gelu,
softsign) are built from these in ``tensorgrad.functions_activations``.
"""

import math

from ..backends import array_module
from .registry import defop

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI = math.sqrt(math.pi)


def _series_coefficients(terms: int) -> tuple:
    """1 / (1 * 3 * 5 * ... * (2n + 1)) for n < terms: erf's series in powers of 2 x^2."""
    out = [1.0]
    for n in range(1, terms):
        out.append(out[-1] / (2 * n + 1))
    return tuple(out)


# float64 erf: below |x| = split the series, above it erfc's continued fraction
# (tested: 8e-16 absolute error over the real line)
_ERF_SPLIT, _ERF_SERIES, _ERF_DEPTH = 2.5, _series_coefficients(36), 24
# float32 erf: the rational minimax approximation x P(x^2) / Q(x^2) on [-4, 4] of Eigen and
# XLA (4e-7 absolute and relative error, float32's rounding), a third of the series' work
_ERF32_P = (
    -2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
    -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02,
)  # fmt: skip
_ERF32_Q = (
    -1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
    -1.42647390514189e-02,
)  # fmt: skip


def _horner(xp, coefficients, y, like):
    """sum_i c_i y^(n-1-i) for coefficients c from the highest power down, in place."""
    out = xp.full_like(like, coefficients[0])
    for c in coefficients[1:]:
        out *= y
        out += c
    return out


def _sin(x):
    return array_module(x).sin(x)


def _sin_vjp(grad, out, x):
    """d sin(x)/dx = cos(x)"""
    return grad * COS(x)


def _cos(x):
    return array_module(x).cos(x)


def _cos_vjp(grad, out, x):
    """d cos(x)/dx = -sin(x)"""
    return -grad * SIN(x)


def _erf(x):
    # array modules have no erf (NumPy lacks it), so it is computed from elementwise ops
    xp = array_module(x)
    if x.dtype.itemsize < 8:
        clipped = xp.clip(x, -4.0, 4.0)  # erf(4) = 1 - 1.5e-8: 1 in float32
        square = clipped * clipped
        numerator = _horner(xp, _ERF32_P, square, square) * clipped
        return (numerator / _horner(xp, _ERF32_Q, square, square)).astype(x.dtype, copy=False)
    # erf(a) = 2/sqrt(pi) exp(-a^2) a sum_n (2a^2)^n / (1 3 5 ... (2n+1)) for small a (all
    # terms positive: no cancellation), and for large a
    # erf(a) = 1 - exp(-a^2) / (sqrt(pi) (a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))))
    a = xp.abs(x)
    small = xp.minimum(a, _ERF_SPLIT)
    square = small * small
    series = _horner(xp, _ERF_SERIES[::-1], square * 2.0, small)
    near = series * small * xp.exp(-square) * _TWO_OVER_SQRT_PI
    big = xp.maximum(a, _ERF_SPLIT)
    fraction = big.copy()
    for k in range(_ERF_DEPTH, 0, -1):
        fraction = xp.divide(k / 2.0, fraction)
        fraction += big
    far = 1.0 - xp.exp(-big * big) / (fraction * _SQRT_PI)
    return (xp.sign(x) * xp.where(a < _ERF_SPLIT, near, far)).astype(x.dtype, copy=False)


def _erf_vjp(grad, out, x):
    """d erf(x)/dx = 2 / sqrt(pi) * exp(-x^2)"""
    return grad * ((x * x).neg().exp() * _TWO_OVER_SQRT_PI)


def _softplus(x, *, beta, threshold):
    xp = array_module(x)
    scaled = x * beta if beta != 1.0 else x
    # log(1 + e^s) = max(s, 0) + log(1 + e^-|s|): no overflow, and far cheaper than logaddexp
    smooth = xp.maximum(scaled, 0) + xp.log1p(xp.exp(-xp.abs(scaled)))
    if beta != 1.0:
        smooth /= beta
    smooth = smooth.astype(x.dtype, copy=False)
    return smooth if threshold == math.inf else xp.where(scaled > threshold, x, smooth)


def _softplus_vjp(grad, out, x, *, beta, threshold):
    """d softplus(x)/dx = sigmoid(beta x), 1 where beta x > threshold (there it is x)"""
    scaled = x * beta
    return grad * scaled.sigmoid().where(~(scaled.data > threshold), 1.0)


def _leaky_relu(x, *, negative_slope):
    return array_module(x).where(x > 0, x, x * negative_slope)


def _leaky_relu_vjp(grad, out, x, *, negative_slope):
    """d leaky_relu(x)/dx = 1 where x > 0, else negative_slope"""
    return grad.where(x.data > 0, grad * negative_slope)


def _elu(x, *, alpha):
    xp = array_module(x)
    return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0))).astype(x.dtype, copy=False)


def _elu_vjp(grad, out, x, *, alpha):
    """d elu(x)/dx = 1 where x > 0, else alpha exp(x) = elu(x) + alpha"""
    return grad.where(x.data > 0, grad * (out + alpha))


def _cumsum(x, *, dim):
    return x.cumsum(axis=dim)


def _cumsum_vjp(grad, out, x, *, dim):
    """d cumsum(x)_j/dx_i = 1 for j >= i: g summed from the end, sum(g) - cumsum(g) + g"""
    return grad.sum(dim, keepdim=True) - CUMSUM(grad, dim=dim) + grad


SIN = defop("sin", _sin, (_sin_vjp,))
COS = defop("cos", _cos, (_cos_vjp,))
ERF = defop("erf", _erf, (_erf_vjp,))
# softplus(x) = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's)
SOFTPLUS = defop("softplus", _softplus, (_softplus_vjp,))
LEAKY_RELU = defop("leaky_relu", _leaky_relu, (_leaky_relu_vjp,))
# elu(x) = x for x > 0, alpha (exp(x) - 1) otherwise; the VJP reads the output
ELU = defop("elu", _elu, (_elu_vjp,), save_out=True)
CUMSUM = defop("cumsum", _cumsum, (_cumsum_vjp,))
