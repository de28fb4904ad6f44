"""The nn primitives: fused soft cross-entropy, batch-norm normalisation and linear.

Both keep a residual for the fast first-order backward (the engine runs VJPs under ``no_grad``
unless ``create_graph=True``); under ``create_graph=True`` the VJPs recompute what they need
from the inputs with tensorgrad ops, so second derivatives are exact.
"""

import weakref

from ..backends import array_module, backend_of
from ..backends.norms import input_grad_coefficients
from .registry import defop, is_grad_enabled


def _cross_entropy_forward(x, q, *, dim):
    backend = backend_of(x)
    xp = backend.xp
    shifted = x - x.max(axis=dim, keepdims=True)  # no overflow for logits of any size
    with backend.errstate(divide="ignore"):
        logp = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
    terms = q * logp
    terms[q == 0] = 0  # a class with no target weight adds nothing, even with -inf logits
    return -terms.sum(axis=dim), logp


def _cross_entropy_x(grad, out, x, q, logp, *, dim):
    """d CE(x, q)/dx = softmax(x) * sum(q) - q, where CE = -sum(q * log_softmax(x))"""
    if is_grad_enabled():
        return grad.unsqueeze(dim) * (x.softmax(dim) * q.sum(dim, keepdim=True) - q)
    xp, q = array_module(logp), q.data
    dx = xp.exp(logp) * q.sum(dim, keepdims=True) - q  # plain arrays, no op records
    return dx * xp.expand_dims(grad.data, dim)


def _cross_entropy_q(grad, out, x, q, logp, *, dim):
    """d CE(x, q)/dq = -log_softmax(x)"""
    if is_grad_enabled():
        return -(grad.unsqueeze(dim) * x.log_softmax(dim))
    return -(array_module(logp).expand_dims(grad.data, dim) * logp)


class BatchStats:
    """batch_norm's residual: the per-channel ``mean``, ``invstd`` and biased ``var`` of the
    batch, (C,) arrays (float64 on the CPU, else x's dtype), and the backward's two sums for
    the latest gradient (the VJPs of x, w and b of one node share one pass over g and x; the
    gradient is held by a weak reference, so the memo keeps none alive)."""

    __slots__ = ("mean", "invstd", "var", "_grad", "_sums")

    def __init__(self, mean, invstd, var) -> None:
        self.mean, self.invstd, self.var = mean, invstd, var
        self._grad = self._sums = None

    def sums(self, grad, x):
        """``(sum g, sum g * (x - mean))`` per channel (float64 arrays) for the gradient Tensor
        ``grad`` and the input array x, computed once per gradient."""
        if self._grad is None or self._grad() is not grad:
            self._sums = backend_of(grad.data).batch_norm_sums(grad.data, x, self.mean)
            self._grad = weakref.ref(grad)
        return self._sums


def _channel_shape(x) -> tuple:
    return (1, -1) + (1,) * (x.ndim - 2)


def _batch_norm_forward(x, *affine, eps):
    out, mean, invstd, var = backend_of(x).batch_norm_forward(x, *affine, eps=eps)
    return out, BatchStats(mean, invstd, var)


def _normalised(x, eps):
    """xhat, invstd (keepdim) and the reduced axes as functions of x, for create_graph=True."""
    axes = (0,) + tuple(range(2, x.ndim))
    centred = x - x.mean(axes, keepdim=True)
    invstd = ((centred * centred).mean(axes, keepdim=True) + eps) ** -0.5
    return centred * invstd, invstd, axes


def _batch_norm_x(grad, out, x, *args, eps):
    """d bn/dx . g = w * invstd * (g - mean(g) - xhat * mean(g * xhat)), means per channel"""
    *affine, stats = args
    if is_grad_enabled():
        xhat_t, invstd_t, axes = _normalised(x, eps)
        gw = grad * affine[0].reshape(_channel_shape(x)) if affine else grad
        mean_g, mean_gx = gw.mean(axes, keepdim=True), (gw * xhat_t).mean(axes, keepdim=True)
        return invstd_t * (gw - mean_g - xhat_t * mean_gx)
    g, xd = grad.data, x.data
    backend = backend_of(g)
    scale = affine[0].data if affine else backend.xp.ones_like(stats.invstd)
    coefficients = input_grad_coefficients(
        stats.sums(grad, xd), xd.size // xd.shape[1], stats.invstd, scale
    )
    return backend.batch_norm_input_grad(g, xd, stats.mean, coefficients)


def _batch_norm_weight(grad, out, x, weight, bias, stats, *, eps):
    """d bn/dw = sum(g * xhat) over all dims but the channel"""
    if is_grad_enabled():
        xhat_t, _, axes = _normalised(x, eps)
        return (grad * xhat_t).sum(axes)
    sum_gc = stats.sums(grad, x.data)[1]
    return (sum_gc * stats.invstd.astype(sum_gc.dtype)).astype(grad.dtype)


def _batch_norm_bias(grad, out, x, weight, bias, stats, *, eps):
    """d bn/db = sum(g) over all dims but the channel"""
    if is_grad_enabled():
        return grad.sum((0,) + tuple(range(2, x.ndim)))
    return stats.sums(grad, x.data)[0].astype(grad.dtype)


def _matmul(a, b):
    """``a @ b`` on the backend's GEMM (the CPU's uses every kernel thread)."""
    return backend_of(a).matmul(a, b)


def _linear_forward(x, w, *bias):
    if bias:
        out = backend_of(x).linear(_flat(x), w, bias[0])
    else:
        out = _matmul(_flat(x), w.T)  # BLAS reads w transposed in place
    return out.reshape(x.shape[:-1] + out.shape[-1:])


def _flat(a):
    """``a`` with its leading dims flattened: one matmul over all rows, where an N-d ``a @ w``
    runs one small matmul per leading index (several times slower)."""
    return a.reshape(-1, a.shape[-1]) if a.ndim > 2 else a


def _rows(t, width: int):
    """A tensor's leading dims flattened: (batch, width), for the weight and bias sums (the
    plain array unless create_graph=True)."""
    return t.reshape(-1, width) if is_grad_enabled() else t.data.reshape(-1, width)


def _linear_x(grad, out, x, w, *bias):
    """d (x @ w^T + b)/dx . g = g @ w"""
    if is_grad_enabled():
        return grad @ w
    return _matmul(_flat(grad.data), w.data).reshape(x.shape)


def _linear_w(grad, out, x, w, *bias):
    """d (x @ w^T + b)/dw . g = g^T @ x, summed over the leading dims"""
    g2, x2 = _rows(grad, w.shape[0]), _rows(x, w.shape[1])
    if is_grad_enabled():
        return g2.mT @ x2
    return _matmul(g2.T, x2)


def _linear_b(grad, out, x, w, b):
    """d (x @ w^T + b)/db . g = sum of g over the leading dims"""
    if is_grad_enabled():
        return _rows(grad, w.shape[0]).sum(0)
    return backend_of(grad.data).sum_rows(_rows(grad, w.shape[0]))


# cross_entropy(x, q) = -sum(q * log_softmax(x, dim), dim): q is a (soft) target distribution,
# class weights and label smoothing already folded in; residual: log_softmax(x)
CROSS_ENTROPY = defop(
    "cross_entropy", _cross_entropy_forward, (_cross_entropy_x, _cross_entropy_q), residual=True
)
# batch_norm(x[, w, b]) = (x - mean(x)) / sqrt(var(x) + eps) [* w + b], statistics per channel
# (dim 1) over all other dims; residual: BatchStats (mean, invstd and the biased var, which
# feed the running statistics)
BATCH_NORM = defop(
    "batch_norm",
    _batch_norm_forward,
    (_batch_norm_x, _batch_norm_weight, _batch_norm_bias),
    residual=True,
)
# linear(x, w[, b]) = x @ w^T + b in one op: a fraction of the Python of matmul + transpose +
# add (and of their three VJPs) per layer; the VJPs use plain arrays unless create_graph=True
LINEAR = defop("linear", _linear_forward, (_linear_x, _linear_w, _linear_b))
