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


# float32 exp: Cephes' expf, as ``kernels/vector_math.exp32`` computes it
_EXP32_LOW, _EXP32_HIGH = -87.33654, 88.37626
_EXP32_LOG2E, _EXP32_LN2_HI, _EXP32_LN2_LO = 1.442695041, 0.693359375, -2.12194440e-4
_EXP32_P = (
    1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
    5.0000001201e-1,
)  # fmt: skip


def exp32(xp, x):
    """e^x of a float32 array, bit for bit ``kernels/vector_math.exp32``."""
    clamped = xp.fmin(xp.fmax(x, _EXP32_LOW), _EXP32_HIGH)  # NaN -> a bound, restored below
    k = xp.floor(clamped * _EXP32_LOG2E + 0.5)
    r = clamped - k * _EXP32_LN2_HI
    r -= k * _EXP32_LN2_LO
    p = _horner(xp, _EXP32_P, r, r)
    p *= r
    p *= r
    p += r
    p += 1.0
    scale = ((k.astype(xp.int32) + 127) << 23).view(xp.float32)
    p *= scale
    p = xp.where(x < _EXP32_LOW, xp.float32(0.0), p)
    p = xp.where(x > _EXP32_HIGH, xp.float32(xp.inf), p)
    return xp.where(x != x, x, p)


def tanh_parts32(xp, u):
    """(1 + tanh(u), 1 - tanh(u)^2) of a float32 array without cancellation, from
    e = exp(-2|u|): 2/(1 + e) (times e for u < 0) and 4e/(1 + e)^2; as the CPU kernel."""
    e = exp32(xp, xp.abs(u) * -2.0)
    inv = xp.divide(1.0, e + 1.0).astype(xp.float32, copy=False)
    plus = (inv * 2.0) * xp.where(u < 0, e, xp.float32(1.0))
    sech2 = (e * 4.0) * inv
    sech2 *= inv
    return plus, sech2


def _in_float32(fn):
    """Run a float32 formula on narrower floats too (float16, bfloat16), rounding back once."""

    def run(xp, *arrays):
        dtype = arrays[-1].dtype
        if dtype == xp.float32:
            return fn(xp, *arrays)
        return fn(xp, *(a.astype(xp.float32) for a in arrays)).astype(dtype)

    return run


@_in_float32
def _gelu32(xp, x):
    return (x * 0.5) * (erf(xp, x * _SQRT_HALF) + 1.0)


@_in_float32
def _gelu_tanh32(xp, x):
    u = ((x * x) * x) * GELU_KAPPA
    u += x
    u *= GELU_BETA
    return (x * 0.5) * tanh_parts32(xp, u)[0]


@_in_float32
def _gelu_grad32(xp, grad, x):
    cdf = (erf(xp, x * _SQRT_HALF) + 1.0) * 0.5
    pdf = exp32(xp, (x * x) * -0.5) * _INV_SQRT_2PI
    return grad * (x * pdf + cdf)


@_in_float32
def _gelu_tanh_grad32(xp, grad, x):
    square = x * x
    u = (square * x) * GELU_KAPPA
    u += x
    u *= GELU_BETA
    plus, sech2 = tanh_parts32(xp, u)
    right = (((x * 0.5) * sech2) * GELU_BETA) * (square * (3.0 * GELU_KAPPA) + 1.0)
    return grad * (plus * 0.5 + right)


def gelu(xp, x, approximate: str):
    """GELU of x (see the module docstring), in x's dtype."""
    if x.dtype.itemsize < 8:
        return (_gelu_tanh32 if approximate == "tanh" else _gelu32)(xp, x)
    if approximate == "tanh":
        return 0.5 * x * (1.0 + xp.tanh(GELU_BETA * (x + GELU_KAPPA * x * x * x)))
    return x * 0.5 * (1.0 + erf(xp, x * _SQRT_HALF))


def gelu_backward(xp, grad, x, approximate: str):
    """``grad`` times GELU's derivative at x (see the module docstring), in x's dtype."""
    if x.dtype.itemsize < 8:
        fn = _gelu_tanh_grad32 if approximate == "tanh" else _gelu_grad32
        return fn(xp, grad.astype(x.dtype, copy=False), x)
    if approximate == "tanh":
        t = xp.tanh(GELU_BETA * (x + GELU_KAPPA * x * x * x))
        right = 0.5 * x * (1.0 - t * t) * GELU_BETA * (1.0 + 3.0 * GELU_KAPPA * x * x)
        return grad * (0.5 * (1.0 + t) + right)
    cdf = 0.5 * (1.0 + erf(xp, x * _SQRT_HALF))
    return grad * (cdf + x * xp.exp(x * x * -0.5) * _INV_SQRT_2PI)
