"""Unary math and activation primitives: sin, cos, erf, gelu, softplus, leaky_relu, elu; and
cumsum.

The activations with a kink or a threshold (leaky_relu, elu, softplus) are primitives so that
their gradients follow PyTorch's choice at the kink; gelu is one for speed (a fused pass each
way on the CPU instead of a dozen elementwise ones); the smooth composites (silu, softsign)
are built from these in ``tensorgrad.functions_activations``.
"""

import math

from ..backends import array_module, backend_of, special
from .registry import defop, is_grad_enabled

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


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
    return special.erf(array_module(x), x)


def _erf_vjp(grad, out, x):
    """d erf(x)/dx = 2 / sqrt(pi) * exp(-x^2)"""
    return grad * ((x * x).neg().exp() * _TWO_OVER_SQRT_PI)


def _gelu(x, *, approximate):
    return backend_of(x).gelu(x, approximate)


def _gelu_vjp(grad, out, x, *, approximate):
    """d gelu(x)/dx = Phi(x) + x phi(x); tanh form: (1 + t)/2 + x (1 - t^2) u'(x)/2 with
    t = tanh(u), u = sqrt(2/pi) (x + 0.044715 x^3)"""
    if not is_grad_enabled():
        return backend_of(x.data).gelu_backward(grad.data, x.data, approximate)
    if approximate == "tanh":
        beta, kappa = special.GELU_BETA, special.GELU_KAPPA
        square = x * x
        t = ((x + kappa * square * x) * beta).tanh()
        right = (1.0 - t * t) * (0.5 * beta) * x * (1.0 + 3.0 * kappa * square)
        return grad * (0.5 * (1.0 + t) + right)
    cdf = 0.5 * (1.0 + ERF(x * _SQRT_HALF))
    return grad * (cdf + x * ((x * x) * -0.5).exp() * _INV_SQRT_2PI)


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
# gelu(x) = x Phi(x) (approximate="none") or its tanh form, one pass each way on the CPU
GELU = defop("gelu", _gelu, (_gelu_vjp,))
# softplus(x) = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's)
SOFTPLUS = defop("softplus", _softplus, (_softplus_vjp,))
LEAKY_RELU = defop("leaky_relu", _leaky_relu, (_leaky_relu_vjp,))
# elu(x) = x for x > 0, alpha (exp(x) - 1) otherwise; the VJP reads the output
ELU = defop("elu", _elu, (_elu_vjp,), save_out=True)
CUMSUM = defop("cumsum", _cumsum, (_cumsum_vjp,))
