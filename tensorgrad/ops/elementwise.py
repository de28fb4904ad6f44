"""Elementwise primitives: arithmetic, unary functions, clamp, maximum/minimum, where, casts.

Inputs broadcast as in NumPy; each VJP returns a gradient of the output's shape and the engine
sums it back to the input's shape.
"""

import math

from ..backends import array_module, backend_of
from .registry import defop, is_grad_enabled


def _same(grad, out, *inputs, **params):
    """d(a + b)/da = d(a + b)/db = d(a - b)/da = 1"""
    return grad


def _negated(grad, out, *inputs, **params):
    """d(a - b)/db = d(-a)/da = -1"""
    return -grad


def _mul_a(grad, out, a, b):
    """d(a * b)/da = b"""
    return grad * b


def _mul_b(grad, out, a, b):
    """d(a * b)/db = a"""
    return grad * a


def _div_a(grad, out, a, b):
    """d(a / b)/da = 1 / b"""
    return grad / b


def _div_b(grad, out, a, b):
    """d(a / b)/db = -a / b^2 = -out / b"""
    return -grad * out / b


def _pow_a(grad, out, a, b):
    """d(a ** b)/da = b * a ** (b - 1), 0 at 0 ** 0 (PyTorch's value there)

    PyTorch sets the whole b == 0 slice to 0; the mask here covers only a == 0, where the
    formula gives 0 * inf, so that the second derivative in b stays right (1/a) at b == 0."""
    with backend_of(a.data).errstate(divide="ignore", invalid="ignore"):  # inf/nan, silently
        return (grad * b * a ** (b - 1.0)).where(~((b == 0) & (a == 0)), 0.0)


def _pow_b(grad, out, a, b):
    """d(a ** b)/db = a ** b * log(a), 0 where a == 0 and b >= 0 (PyTorch's rule: -inf for
    0 ** b with b < 0, nan for a negative base)"""
    with backend_of(a.data).errstate(divide="ignore", invalid="ignore"):
        return (grad * out * a.log()).where(~((a == 0) & (b >= 0)), 0.0)


def _pow_scalar_forward(x, *, exponent):
    return x**exponent


def _pow_scalar_vjp(grad, out, x, *, exponent):
    """d(x ** c)/dx = c * x ** (c - 1)"""
    if exponent == 0:
        return grad * 0.0
    return grad * (exponent * x ** (exponent - 1))


def _rpow_scalar_forward(x, *, base):
    return base**x


def _rpow_scalar_vjp(grad, out, x, *, base):
    """d(c ** x)/dx = c ** x * log(c)"""
    return grad * out * math.log(base)


def _exp_vjp(grad, out, x):
    """d exp(x)/dx = exp(x)"""
    return grad * out


def _log_vjp(grad, out, x):
    """d log(x)/dx = 1 / x"""
    return grad / x


def _sqrt_vjp(grad, out, x):
    """d sqrt(x)/dx = 1 / (2 sqrt(x))"""
    with backend_of(out.data).errstate(divide="ignore", invalid="ignore"):  # inf at 0, silently
        return grad / (out * 2.0)


def _abs_vjp(grad, out, x):
    """d |x|/dx = sign(x) (0 at 0)"""
    return grad * array_module(x.data).sign(x.data)


def _tanh_vjp(grad, out, x):
    """d tanh(x)/dx = 1 - tanh(x)^2"""
    return grad * (1.0 - out * out)


def _sigmoid_forward(x):
    # exp of a non-positive number only: no overflow for large |x|
    xp = array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def _sigmoid_vjp(grad, out, x):
    """d sigmoid(x)/dx = sigmoid(x) (1 - sigmoid(x))"""
    return grad * out * (1.0 - out)


def _relu_forward(x):
    return backend_of(x).relu(x)


def _relu_vjp(grad, out, x):
    """d relu(x)/dx = 0 where x <= 0, else 1 (a NaN passes the gradient, as in PyTorch)"""
    if not is_grad_enabled():
        return backend_of(x.data).relu_backward(grad.data, x.data)
    return grad * ~(x.data <= 0)


def _clamp_forward(x, *, min, max):  # noqa: A002 (PyTorch's names)
    return array_module(x).clip(x, min, max)


def _clamp_vjp(grad, out, x, *, min, max):  # noqa: A002
    """d clamp(x)/dx = 1 where min <= x <= max, else 0"""
    inside = x.data == x.data if min is None else x.data >= min
    if max is not None:
        inside = inside & (x.data <= max)
    return grad * inside


def _share(first_wins, tie, dtype):
    """Gradient weights for maximum/minimum: 1 for the winner, 0.5 each on a tie (as PyTorch)."""
    xp = array_module(first_wins)
    return xp.where(first_wins, 1.0, xp.where(tie, 0.5, 0.0)).astype(dtype)


def _maximum_a(grad, out, a, b):
    """d max(a, b)/da = 1 where a > b, 1/2 where a == b, else 0"""
    return grad * _share(a.data > b.data, a.data == b.data, grad.dtype)


def _maximum_b(grad, out, a, b):
    """d max(a, b)/db = 1 where b > a, 1/2 where a == b, else 0"""
    return grad * _share(b.data > a.data, a.data == b.data, grad.dtype)


def _minimum_a(grad, out, a, b):
    """d min(a, b)/da = 1 where a < b, 1/2 where a == b, else 0"""
    return grad * _share(a.data < b.data, a.data == b.data, grad.dtype)


def _minimum_b(grad, out, a, b):
    """d min(a, b)/db = 1 where b < a, 1/2 where a == b, else 0"""
    return grad * _share(b.data < a.data, a.data == b.data, grad.dtype)


def _where_forward(cond, a, b):
    return array_module(a).where(cond, a, b)


def _where_a(grad, out, cond, a, b):
    """d where(c, a, b)/da = 1 where c, else 0"""
    return grad.where(cond, 0.0)


def _where_b(grad, out, cond, a, b):
    """d where(c, a, b)/db = 1 where not c, else 0"""
    return grad.where(~cond, 0.0)


def _to_forward(x, *, dtype):
    return x.astype(dtype)


def _to_vjp(grad, out, x, *, dtype):
    """d cast(x)/dx = 1, the gradient cast back to x's dtype"""
    return grad.to(x.dtype)


# -- forwards: operators and the inputs' array module, so that every device computes its own --
def _add(a, b):
    return a + b


def _subtract(a, b):
    return a - b


def _multiply(a, b):
    return a * b


def _divide(a, b):
    return a / b


def _negative(x):
    return -x


def _power(a, b):
    return a**b


def _exp(x):
    return array_module(x).exp(x)


def _log(x):
    return array_module(x).log(x)


def _sqrt(x):
    return array_module(x).sqrt(x)


def _abs(x):
    return array_module(x).abs(x)


def _tanh(x):
    return array_module(x).tanh(x)


def _maximum(a, b):
    return array_module(a).maximum(a, b)


def _minimum(a, b):
    return array_module(a).minimum(a, b)


ADD = defop("add", _add, (_same, _same))
SUB = defop("sub", _subtract, (_same, _negated))
MUL = defop("mul", _multiply, (_mul_a, _mul_b))
DIV = defop("div", _divide, (_div_a, _div_b), save_out=True)
NEG = defop("neg", _negative, (_negated,))
POW = defop("pow", _power, (_pow_a, _pow_b), save_out=True)
POW_SCALAR = defop("pow_scalar", _pow_scalar_forward, (_pow_scalar_vjp,))
RPOW_SCALAR = defop("rpow_scalar", _rpow_scalar_forward, (_rpow_scalar_vjp,), save_out=True)
EXP = defop("exp", _exp, (_exp_vjp,), save_out=True)
LOG = defop("log", _log, (_log_vjp,))
SQRT = defop("sqrt", _sqrt, (_sqrt_vjp,), save_out=True)
ABS = defop("abs", _abs, (_abs_vjp,))
TANH = defop("tanh", _tanh, (_tanh_vjp,), save_out=True)
SIGMOID = defop("sigmoid", _sigmoid_forward, (_sigmoid_vjp,), save_out=True)
RELU = defop("relu", _relu_forward, (_relu_vjp,))
CLAMP = defop("clamp", _clamp_forward, (_clamp_vjp,))
MAXIMUM = defop("maximum", _maximum, (_maximum_a, _maximum_b))
MINIMUM = defop("minimum", _minimum, (_minimum_a, _minimum_b))
WHERE = defop("where", _where_forward, (None, _where_a, _where_b))
TO = defop("to", _to_forward, (_to_vjp,))
