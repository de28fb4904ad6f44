"""The layer-norm primitive: normalisation over the last ``k`` dims in one op.

``layer_norm(x[, w, b]) = (x - mean) / sqrt(var + eps) [* w + b]`` with the mean and biased
variance over the last ``k`` dims; ``w`` and ``b`` have those dims' shape. The residual
``(xhat, invstd)`` feeds the fast first-order backward (plain arrays, the engine's
``create_graph=False``); under ``create_graph=True`` the VJPs recompute ``xhat`` from ``x``
with tensorgrad ops, so second derivatives are exact. The first-order arithmetic runs on the
rows (the last ``k`` dims flattened) through the backend: fused kernels on the CPU, the array
formulas of ``backends.norms`` elsewhere, with the same numbers.
"""

import math

from ..backends import backend_of
from .registry import defop, is_grad_enabled


def _axes(x, k: int) -> tuple:
    return tuple(range(x.ndim - k, x.ndim))


def _rows(a, k: int):
    """``a`` as (rows, D), its last ``k`` dims flattened into D."""
    lead = a.shape[: a.ndim - k]
    return a.reshape(math.prod(lead), math.prod(a.shape[a.ndim - k :]))


def _layer_norm_forward(x, *affine, k, eps):
    weight, bias = (a.reshape(-1) for a in affine) if affine else (None, None)
    out, xhat, invstd = backend_of(x).layer_norm_forward(_rows(x, k), weight, bias, eps)
    keep = x.shape[: x.ndim - k] + (1,) * k
    return out.reshape(x.shape), (xhat.reshape(x.shape), invstd.reshape(keep))


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
    weight = affine[0].data.reshape(-1) if affine else None
    rows = _rows(xhat, k)
    dx = backend_of(xhat).layer_norm_input_grad(
        _rows(grad.data, k), weight, rows, invstd.reshape(rows.shape[0], 1)
    )
    return dx.reshape(x.shape)


def _lead_sum(t, k: int):
    """The Tensor ``t`` summed over all but its last ``k`` dims."""
    return t.sum(tuple(range(t.ndim - k)))


def _row_sum(grad, k: int, xhat=None):
    """The array ``grad`` (times ``xhat``) summed over all but its last ``k`` dims."""
    if xhat is not None:
        xhat = _rows(xhat, k)
    return backend_of(grad).sum_rows(_rows(grad, k), xhat).reshape(grad.shape[grad.ndim - k :])


def _layer_norm_weight(grad, out, x, weight, bias, residual, *, k, eps):
    """d ln/dw = sum(g * xhat) over the leading dims"""
    if is_grad_enabled():
        return _lead_sum(grad * _normalised(x, k, eps)[0], k)
    return _row_sum(grad.data, k, residual[0])


def _layer_norm_bias(grad, out, x, weight, bias, residual, *, k, eps):
    """d ln/db = sum(g) over the leading dims"""
    if is_grad_enabled():
        return _lead_sum(grad, k)
    return _row_sum(grad.data, k)


# layer_norm(x[, w, b]) over the last k dims; residual: (xhat, invstd), invstd keepdim
LAYER_NORM = defop(
    "layer_norm",
    _layer_norm_forward,
    (_layer_norm_x, _layer_norm_weight, _layer_norm_bias),
    residual=True,
)
