"""Gradient clipping, as ``torch.nn.utils``: rescale all gradients together so that their
joint norm is at most ``max_norm``, or clamp each gradient element to a range.

Both work in place on ``p.grad.data`` with the gradients' own array module (no graph is
recorded), so they run on any device.
"""

import math

import numpy as np

from ...backends import backend_of
from ...tensor import Tensor


def _grads(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad.data for p in parameters if p.grad is not None]


def _norm(xp, values, norm_type: float):
    """The vector ``norm_type``-norm of an array (float), as a 0-d array of its dtype."""
    a = xp.abs(values)
    if norm_type == math.inf:
        return a.max() if a.size else xp.zeros((), a.dtype)
    if norm_type == -math.inf:
        return a.min() if a.size else xp.full((), math.inf, a.dtype)
    if norm_type == 0:
        return (a != 0).sum().astype(a.dtype)
    if norm_type == 1:
        return a.sum()
    if norm_type == 2:
        return xp.sqrt((a * a).sum())
    return (a**norm_type).sum() ** (1.0 / norm_type)


def clip_grad_norm_(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
    foreach=None,
) -> Tensor:  # fmt: skip
    """Scale the gradients of ``parameters`` (a tensor or an iterable of them) in place by
    ``min(1, max_norm / (total_norm + 1e-6))``, where ``total_norm`` is the ``norm_type``-norm
    of all gradients together (``inf`` for the largest absolute value). Returns
    ``total_norm`` as a 0-d tensor. ``error_if_nonfinite`` raises when it is nan or inf;
    ``foreach`` is accepted and ignored."""
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(np.zeros((), np.float32))  # tensor(0.) on the CPU, as PyTorch
    backend = backend_of(grads[0])
    xp = backend.xp
    norms = []
    for g in grads:
        n = _norm(backend_of(g).xp, g, norm_type)
        if backend_of(n) is not backend:  # gradients on several devices: meet on the first's
            n = backend.from_host(backend_of(n).to_host(n), backend.device_of(grads[0]))
        norms.append(n.astype(grads[0].dtype, copy=False))
    total = _norm(xp, xp.stack(norms), norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = xp.minimum(max_norm / (total + 1e-6), 1.0)
    with backend.errstate(invalid="ignore"):  # a non-finite norm gives nan, as PyTorch
        for g in grads:
            g *= coef.astype(g.dtype) if backend_of(g) is backend else float(coef)
    return Tensor._make(total)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element of ``parameters`` to ``[-clip_value, clip_value]`` in
    place; ``foreach`` is accepted and ignored."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        backend_of(g).xp.clip(g, -clip_value, clip_value, out=g)
