"""The nn primitives: fused soft cross-entropy, batch-norm normalisation and linear.

Both keep a residual for the fast first-order backward (the engine runs VJPs under ``no_grad``
unless ``create_graph=True``); under ``create_graph=True`` the VJPs recompute what they need
from the inputs with tensorgrad ops, so second derivatives are exact.
"""

from ..backends import array_module, backend_of
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


def _per_channel(*arrays):
    """Sum over every dim but 1 (of the product, for two arrays) as a (C,) array; einsum needs
    no temporary and reads strided channels faster than a sum over several axes."""
    letters = "abcdefghijklmnop"[: arrays[0].ndim]
    return array_module(arrays[0]).einsum(",".join([letters] * len(arrays)) + "->b", *arrays)


def _channel_shape(x) -> tuple:
    return (1, -1) + (1,) * (x.ndim - 2)


def _batch_norm_forward(x, *affine, eps):
    count = x.size // x.shape[1]
    mean = (_per_channel(x) / count).astype(x.dtype, copy=False)
    xhat = x - mean.reshape(_channel_shape(x))
    var = (_per_channel(xhat, xhat) / count).astype(x.dtype, copy=False)
    invstd = (1.0 / array_module(x).sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat *= invstd.reshape(_channel_shape(x))
    if not affine:
        return xhat, (xhat, invstd, mean, var)
    weight, bias = affine
    out = xhat * weight.reshape(_channel_shape(x))
    out += bias.reshape(_channel_shape(x))
    return out, (xhat, invstd, mean, var)


def _normalised(x, eps):
    """xhat, invstd (keepdim) and the reduced axes as functions of x, for create_graph=True."""
    axes = (0,) + tuple(range(2, x.ndim))
    centred = x - x.mean(axes, keepdim=True)
    invstd = ((centred * centred).mean(axes, keepdim=True) + eps) ** -0.5
    return centred * invstd, invstd, axes


def _batch_norm_x(grad, out, x, *args, eps):
    """d bn/dx . g = w * invstd * (g - mean(g) - xhat * mean(g * xhat)), means per channel"""
    *affine, (xhat, invstd, _, _) = args
    shape = _channel_shape(x)
    if is_grad_enabled():
        xhat_t, invstd_t, axes = _normalised(x, eps)
        gw = grad * affine[0].reshape(shape) if affine else grad
        mean_g, mean_gx = gw.mean(axes, keepdim=True), (gw * xhat_t).mean(axes, keepdim=True)
        return invstd_t * (gw - mean_g - xhat_t * mean_gx)
    g, count = grad.data, x.data.size // x.shape[1]
    scale = invstd if not affine else invstd * affine[0].data
    dx = xhat * (_per_channel(g, xhat) / count).astype(g.dtype, copy=False).reshape(shape)
    array_module(g).subtract(g, dx, out=dx)
    dx -= (_per_channel(g) / count).astype(g.dtype, copy=False).reshape(shape)
    dx *= scale.reshape(shape)
    return dx


def _batch_norm_weight(grad, out, x, weight, bias, residual, *, eps):
    """d bn/dw = sum(g * xhat) over all dims but the channel"""
    if is_grad_enabled():
        xhat_t, _, axes = _normalised(x, eps)
        return (grad * xhat_t).sum(axes)
    return _per_channel(grad.data, residual[0]).astype(grad.dtype, copy=False)


def _batch_norm_bias(grad, out, x, weight, bias, residual, *, eps):
    """d bn/db = sum(g) over all dims but the channel"""
    if is_grad_enabled():
        return grad.sum((0,) + tuple(range(2, x.ndim)))
    return _per_channel(grad.data).astype(grad.dtype, copy=False)


def _linear_forward(x, w, *bias):
    out = _flat(x) @ w.T  # BLAS reads w transposed in place
    if bias:
        out += bias[0]
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
    return (_flat(grad.data) @ w.data).reshape(x.shape)


def _linear_w(grad, out, x, w, *bias):
    """d (x @ w^T + b)/dw . g = g^T @ x, summed over the leading dims"""
    g2, x2 = _rows(grad, w.shape[0]), _rows(x, w.shape[1])
    if is_grad_enabled():
        return g2.mT @ x2
    return g2.T @ x2


def _linear_b(grad, out, x, w, b):
    """d (x @ w^T + b)/db . g = sum of g over the leading dims"""
    return _rows(grad, w.shape[0]).sum(0)  # a Tensor or an array, as _rows gives


# cross_entropy(x, q) = -sum(q * log_softmax(x, dim), dim): q is a (soft) target distribution,
# class weights and label smoothing already folded in; residual: log_softmax(x)
CROSS_ENTROPY = defop(
    "cross_entropy", _cross_entropy_forward, (_cross_entropy_x, _cross_entropy_q), residual=True
)
# batch_norm(x[, w, b]) = (x - mean(x)) / sqrt(var(x) + eps) [* w + b], statistics per channel
# (dim 1) over all other dims; residual: (xhat, invstd, mean, biased var), the last two (C,)
# arrays feed the running statistics
BATCH_NORM = defop(
    "batch_norm",
    _batch_norm_forward,
    (_batch_norm_x, _batch_norm_weight, _batch_norm_bias),
    residual=True,
)
# linear(x, w[, b]) = x @ w^T + b in one op: a fraction of the Python of matmul + transpose +
# add (and of their three VJPs) per layer; the VJPs use plain arrays unless create_graph=True
LINEAR = defop("linear", _linear_forward, (_linear_x, _linear_w, _linear_b))
