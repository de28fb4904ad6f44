"""The layer-norm primitive: normalisation over the last ``k`` dims in one op.

``layer_norm(x[, w, b]) = (x - mean) / sqrt(var + eps) [* w + b]`` with the mean and biased
variance over the last ``k`` dims; ``w`` and ``b`` have those dims' shape. The residual
``(xhat, invstd)`` feeds the fast first-order backward (plain arrays, the engine's
``create_graph=False``); under ``create_graph=True`` the VJPs recompute ``xhat`` from ``x``
with tensorgrad ops, so second derivatives are exact. The same formula composed of
elementwise ops and means took 1.7x as long for a forward and backward of (32, 64, 256).
"""

import numpy as np

from ..backends import array_module
from .registry import defop, is_grad_enabled


def _axes(x, k: int) -> tuple:
    return tuple(range(x.ndim - k, x.ndim))


def _row_mean(a, b, k: int):
    """The mean of ``a`` (of ``a * b`` when ``b`` is given) over the last ``k`` dims, keepdim:
    a matrix-vector product or an einsum over rows, several times faster than ``mean``."""
    n = int(np.prod(a.shape[a.ndim - k :]))
    rows, xp = a.reshape(-1, n), array_module(a)
    total = (
        rows @ xp.ones(n, dtype=a.dtype)
        if b is None
        else xp.einsum("ij,ij->i", rows, b.reshape(-1, n))
    )
    return (total * a.dtype.type(1.0 / n)).reshape(a.shape[: a.ndim - k] + (1,) * k)


def _layer_norm_forward(x, *affine, k, eps):
    xhat = x - _row_mean(x, None, k)
    var = _row_mean(xhat, xhat, k)
    invstd = (1.0 / array_module(x).sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat *= invstd
    if not affine:
        return xhat, (xhat, invstd)
    weight, bias = affine
    out = xhat * weight
    out += bias
    return out, (xhat, invstd)


def _normalised(x, k: int, eps: float):
    """xhat and invstd (keepdim) as Tensor functions of x, for create_graph=True."""
    axes = _axes(x, k)
    centred = x - x.mean(axes, keepdim=True)
    invstd = ((centred * centred).mean(axes, keepdim=True) + eps) ** -0.5
    return centred * invstd, invstd


def _layer_norm_x(grad, out, x, *args, k, eps):
    """d ln/dx . g = invstd * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = g * w, means over
    the normalised dims"""
    *affine, (xhat, invstd) = args
    axes = _axes(x, k)
    if is_grad_enabled():
        xhat_t, invstd_t = _normalised(x, k, eps)
        gw = grad * affine[0] if affine else grad
        mean_g, mean_gx = gw.mean(axes, keepdim=True), (gw * xhat_t).mean(axes, keepdim=True)
        return invstd_t * (gw - mean_g - xhat_t * mean_gx)
    gw = grad.data * affine[0].data if affine else grad.data
    dx = xhat * _row_mean(gw, xhat, k)
    dx += _row_mean(gw, None, k)
    array_module(gw).subtract(gw, dx, out=dx)
    dx *= invstd
    return dx


def _lead_sum(t, k: int):
    """``t`` summed over all but its last ``k`` dims (a Tensor or an array)."""
    lead = tuple(range(t.ndim - k))
    return t.sum(lead) if is_grad_enabled() else t.sum(axis=lead)


def _layer_norm_weight(grad, out, x, weight, bias, residual, *, k, eps):
    """d ln/dw = sum(g * xhat) over the leading dims"""
    if is_grad_enabled():
        return _lead_sum(grad * _normalised(x, k, eps)[0], k)
    return _lead_sum(grad.data * residual[0], k)


def _layer_norm_bias(grad, out, x, weight, bias, residual, *, k, eps):
    """d ln/db = sum(g) over the leading dims"""
    return _lead_sum(grad if is_grad_enabled() else grad.data, k)


# layer_norm(x[, w, b]) over the last k dims; residual: (xhat, invstd), invstd keepdim
LAYER_NORM = defop(
    "layer_norm",
    _layer_norm_forward,
    (_layer_norm_x, _layer_norm_weight, _layer_norm_bias),
    residual=True,
)
