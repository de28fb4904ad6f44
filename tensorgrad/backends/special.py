"""erf and GELU for any array module (array modules have no erf: NumPy lacks it); the CPU
runs GELU as fused Numba passes instead (``tensorgrad.kernels.activations``).

GELU follows PyTorch's formulas: exact ``x Phi(x)``, ``Phi(x) = (1 + erf(x / sqrt 2)) / 2``,
derivative ``Phi(x) + x phi(x)``; ``approximate="tanh"``: ``x (1 + tanh(u)) / 2`` with
``u = sqrt(2/pi) (x + 0.044715 x^3)``, derivative ``(1 + t) / 2 + x (1 - t^2) u' / 2``.
"""

import math

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI = math.sqrt(math.pi)
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
GELU_BETA, GELU_KAPPA = math.sqrt(2.0 / math.pi), 0.044715


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
# (``kernels/vector_math.py`` has the same coefficients)
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


def erf(xp, x):
    """erf(x) with ``xp``'s elementwise ops, to x's precision."""
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


def _gelu_tanh_parts(xp, x):
    """(tanh(u), u'/ sqrt(2/pi) factor pieces): t and x^2."""
    square = x * x
    t = xp.tanh((x + GELU_KAPPA * square * x) * GELU_BETA).astype(x.dtype, copy=False)
    return t, square


def gelu(xp, x, approximate: str):
    """GELU of x (see the module docstring), in x's dtype."""
    if approximate == "tanh":
        t, _ = _gelu_tanh_parts(xp, x)
        t += 1.0
        t *= x
        t *= 0.5
        return t
    cdf = erf(xp, x * x.dtype.type(_SQRT_HALF))
    cdf += 1.0
    cdf *= x
    cdf *= 0.5
    return cdf


def gelu_backward(xp, grad, x, approximate: str):
    """``grad`` times GELU's derivative at x (see the module docstring)."""
    if approximate == "tanh":
        t, square = _gelu_tanh_parts(xp, x)
        right = (1.0 - t * t) * (0.5 * GELU_BETA) * x * (1.0 + 3.0 * GELU_KAPPA * square)
        return (grad * (0.5 * (1.0 + t) + right)).astype(x.dtype, copy=False)
    cdf = 0.5 * (1.0 + erf(xp, x * x.dtype.type(_SQRT_HALF)))
    pdf = xp.exp(x * x * -0.5) * _INV_SQRT_2PI
    return (grad * (cdf + x * pdf)).astype(x.dtype, copy=False)
