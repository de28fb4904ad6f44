"""The nn primitives: fused soft cross-entropy and batch-norm normalisation.

Both keep a residual for the fast first-order backward (the engine runs VJPs under ``no_grad``
unless ``create_graph=True``); under ``create_graph=True`` the VJPs recompute what they need
from the inputs with tensorgrad ops, so second derivatives are exact.
"""

import numpy as np

from ..autograd.grad_mode import is_grad_enabled
from ..ops.registry import defop
from ..tensor import Tensor


def _cross_entropy_forward(x, q, *, dim):
    shifted = x - np.max(x, axis=dim, keepdims=True)  # no overflow for logits of any size
    with np.errstate(divide="ignore"):
        logp = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
    terms = q * logp
    terms[q == 0] = 0  # a class with no target weight adds nothing, even with -inf logits
    return -np.sum(terms, axis=dim), logp


def _cross_entropy_x(grad, out, x, q, logp, *, dim):
    """d CE(x, q)/dx = softmax(x) * sum(q) - q, where CE = -sum(q * log_softmax(x))"""
    p = x.softmax(dim) if is_grad_enabled() else Tensor._make(np.exp(logp))
    return grad.unsqueeze(dim) * (p * q.sum(dim, keepdim=True) - q)


def _cross_entropy_q(grad, out, x, q, logp, *, dim):
    """d CE(x, q)/dq = -log_softmax(x)"""
    logp = x.log_softmax(dim) if is_grad_enabled() else Tensor._make(logp)
    return -(grad.unsqueeze(dim) * logp)


def _batch_norm_forward(x, *, axes, eps):
    mean = np.mean(x, axis=axes, keepdims=True)
    centred = x - mean
    var = np.mean(np.square(centred), axis=axes, keepdims=True)
    invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    centred *= invstd
    return centred, (mean, var, invstd)


def _batch_norm_vjp(grad, out, x, stats, *, axes, eps):
    """d xhat/dx . g = invstd * (g - mean(g) - xhat * mean(g * xhat)), xhat = (x - mu) * invstd"""
    if is_grad_enabled():
        invstd = (x.var(axes, correction=0, keepdim=True) + eps) ** -0.5
    else:
        invstd = Tensor._make(stats[2])
    mean_g = grad.mean(axes, keepdim=True)
    mean_gx = (grad * out).mean(axes, keepdim=True)
    return invstd * (grad - mean_g - out * mean_gx)


# cross_entropy(x, q) = -sum(q * log_softmax(x, dim), dim): q is a (soft) target distribution,
# class weights and label smoothing already folded in; residual: log_softmax(x)
CROSS_ENTROPY = defop(
    "cross_entropy", _cross_entropy_forward, (_cross_entropy_x, _cross_entropy_q), residual=True
)
# batch_norm(x) = (x - mean(x)) / sqrt(var(x) + eps) over ``axes`` (no affine: composed on top);
# residual: (mean, biased var, invstd) with keepdims, the running statistics read them
BATCH_NORM = defop(
    "batch_norm", _batch_norm_forward, (_batch_norm_vjp,), save_out=True, residual=True
)
