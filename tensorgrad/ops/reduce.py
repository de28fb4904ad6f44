"""Reductions and their broadcasting partners: sum, sum_to/expand, max along a dim, logsumexp,
log_softmax, softmax, and the gather/scatter pair that routes max's gradient through its indices.

``dim`` arrives normalised by the Tensor layer: a tuple of non-negative axes, or None for all.
"""

from ..backends import array_module, backend_of
from .registry import defop, is_grad_enabled


def keepdim_shape(shape: tuple, dim: tuple | None) -> tuple:
    """The shape a reduction over ``dim`` has with ``keepdim=True``."""
    if dim is None:
        return (1,) * len(shape)
    return tuple(1 if i in dim else n for i, n in enumerate(shape))


def _sum_forward(x, *, dim, keepdim):
    return x.sum(axis=dim, keepdims=keepdim)


def _sum_vjp(grad, out, x, *, dim, keepdim):
    """d sum(x)/dx = 1: the gradient broadcast back over the reduced dims"""
    if not keepdim:
        grad = grad.reshape(keepdim_shape(x.shape, dim))
    return grad.expand(x.shape)


def _sum_to_forward(x, *, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1
    )
    return x.sum(axis=axes, keepdims=True).reshape(shape) if axes else x


def _sum_to_vjp(grad, out, x, *, shape):
    """d sum_to(x)/dx = 1: broadcast the gradient back to x's shape"""
    return grad.expand(x.shape)


def _expand_forward(x, *, shape):
    return array_module(x).broadcast_to(x, shape)


def _expand_vjp(grad, out, x, *, shape):
    """d expand(x)/dx = 1, summed over every copy"""
    return grad if grad.shape == x.shape else SUM_TO(grad, shape=x.shape)


def _max_forward(x, *, dim, keepdim, largest):
    xp = array_module(x)
    index = xp.expand_dims((x.argmax if largest else x.argmin)(axis=dim), dim)
    values = xp.take_along_axis(x, index, axis=dim)
    return (values if keepdim else values.squeeze(dim)), index


def _max_vjp(grad, out, x, index, *, dim, keepdim, largest):
    """d max(x, dim)/dx = 1 at the (first) maximum's index, 0 elsewhere"""
    if not keepdim:
        grad = grad.unsqueeze(dim)
    return SCATTER_ALONG(grad, index=index, dim=dim, shape=x.shape)


def _take_along_forward(x, *, index, dim):
    return array_module(x).take_along_axis(x, index, axis=dim)


def _take_along_vjp(grad, out, x, *, index, dim):
    """d x[index]/dx = 1 at the gathered positions (each gathered once)"""
    return SCATTER_ALONG(grad, index=index, dim=dim, shape=x.shape)


def _scatter_along_forward(src, *, index, dim, shape):
    xp = array_module(src)
    out = xp.zeros(shape, dtype=src.dtype)
    xp.put_along_axis(out, index, src, axis=dim)
    return out


def _scatter_along_vjp(grad, out, src, *, index, dim, shape):
    """d scatter(src)/dsrc = 1 read back at the scattered positions"""
    return TAKE_ALONG(grad, index=index, dim=dim)


def _shift(xp, x, axis):
    """The max along ``axis`` (keepdims) that exp(x - max) is taken at so it cannot overflow;
    0 where that max is not finite (an all -inf slice)."""
    m = x.max(axis=axis, keepdims=True)
    return xp.where(xp.isfinite(m), m, 0).astype(x.dtype, copy=False)


def _stable_logsumexp(x, axis):
    """log(sum(exp(x))) along ``axis`` with keepdims, shifted by the max so it cannot overflow."""
    backend = backend_of(x)
    xp = backend.xp
    m = _shift(xp, x, axis)
    with backend.errstate(divide="ignore"):  # log(0) = -inf for an all -inf slice, as PyTorch
        return xp.log(xp.exp(x - m).sum(axis=axis, keepdims=True)) + m


def _logsumexp_forward(x, *, dim, keepdim):
    out = _stable_logsumexp(x, dim)
    return out if keepdim else out.squeeze(dim)


def _logsumexp_vjp(grad, out, x, *, dim, keepdim):
    """d logsumexp(x)/dx = softmax(x) = exp(x - logsumexp(x))"""
    if not keepdim:
        shape = keepdim_shape(x.shape, dim)
        grad, out = grad.reshape(shape), out.reshape(shape)
    return grad * (x - out).exp()


def _log_softmax_forward(x, *, dim):
    return x - _stable_logsumexp(x, dim)


def _log_softmax_vjp(grad, out, x, *, dim):
    """d log_softmax(x)/dx . g = g - softmax(x) * sum(g)"""
    return grad - out.exp() * grad.sum(dim, keepdim=True)


def _softmax_forward(x, *, dim):
    backend = backend_of(x)
    out = x - _shift(backend.xp, x, dim)
    backend.xp.exp(out, out=out)
    with backend.errstate(invalid="ignore"):  # 0/0 = NaN for an all -inf slice, as PyTorch
        out /= out.sum(axis=dim, keepdims=True)
    return out


def _softmax_vjp(grad, out, x, *, dim):
    """d softmax(x)/dx . g = softmax(x) * (g - sum(g * softmax(x)))"""
    if is_grad_enabled():
        return out * (grad - (grad * out).sum(dim, keepdim=True))
    g, y = grad.data, out.data
    dx = g - (g * y).sum(axis=dim, keepdims=True)
    dx *= y
    return dx


SUM = defop("sum", _sum_forward, (_sum_vjp,))
SUM_TO = defop("sum_to", _sum_to_forward, (_sum_to_vjp,))
EXPAND = defop("expand", _expand_forward, (_expand_vjp,))
MAX = defop("max", _max_forward, (_max_vjp,), residual=True)
TAKE_ALONG = defop("take_along", _take_along_forward, (_take_along_vjp,))
SCATTER_ALONG = defop("scatter_along", _scatter_along_forward, (_scatter_along_vjp,))
LOGSUMEXP = defop("logsumexp", _logsumexp_forward, (_logsumexp_vjp,), save_out=True)
LOG_SOFTMAX = defop("log_softmax", _log_softmax_forward, (_log_softmax_vjp,), save_out=True)
# softmax in one op, not exp(log_softmax): half the passes over the data, forward and backward
SOFTMAX = defop("softmax", _softmax_forward, (_softmax_vjp,), save_out=True)
