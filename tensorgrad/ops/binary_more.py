"""More binary primitives and reductions of PyTorch's everyday API: atan2, hypot, and
amax/amin, whose gradient PyTorch splits evenly between tied maxima (max along a dim sends it
to one index instead)."""

from ..backends import array_module, backend_of
from .reduce import keepdim_shape
from .registry import defop


def _atan2(y, x):
    return array_module(y).arctan2(y, x)


def _atan2_y(grad, out, y, x):
    """d atan2(y, x)/dy = x / (x^2 + y^2)"""
    with backend_of(y.data).errstate(divide="ignore", invalid="ignore"):
        return grad * x / (x * x + y * y)


def _atan2_x(grad, out, y, x):
    """d atan2(y, x)/dx = -y / (x^2 + y^2)"""
    with backend_of(y.data).errstate(divide="ignore", invalid="ignore"):
        return -grad * y / (x * x + y * y)


def _hypot(a, b):
    return array_module(a).hypot(a, b)


def _hypot_a(grad, out, a, b):
    """d hypot(a, b)/da = a / hypot(a, b)"""
    with backend_of(a.data).errstate(divide="ignore", invalid="ignore"):
        return grad * a / out


def _hypot_b(grad, out, a, b):
    """d hypot(a, b)/db = b / hypot(a, b)"""
    with backend_of(a.data).errstate(divide="ignore", invalid="ignore"):
        return grad * b / out


def _amax(x, *, dim, keepdim, largest):
    xp = array_module(x)
    return (xp.max if largest else xp.min)(x, axis=dim, keepdims=keepdim)


def _amax_vjp(grad, out, x, *, dim, keepdim, largest):
    """d amax(x)/dx = 1/k at each of the k positions that hold the extreme value, else 0"""
    kept = keepdim_shape(x.shape, dim)
    extreme = out.data.reshape(kept)
    hit = x.data == extreme
    with backend_of(x.data).errstate(divide="ignore", invalid="ignore"):
        weights = (hit / hit.sum(axis=dim, keepdims=True)).astype(grad.dtype)
    return grad.reshape(kept) * weights


ATAN2 = defop("atan2", _atan2, (_atan2_y, _atan2_x))
HYPOT = defop("hypot", _hypot, (_hypot_a, _hypot_b), save_out=True)
AMAX = defop("amax", _amax, (_amax_vjp,), save_out=True)
