"""Loss functions: cross_entropy (a fused primitive), nll_loss and mse_loss, PyTorch's semantics."""

import warnings

import numpy as np

from ..backends import backend_of, is_array
from ..ops.nn import CROSS_ENTROPY
from ..tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str, fn: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _class_dim(input: Tensor, fn: str) -> int:  # noqa: A002
    if input.ndim == 0:
        raise ValueError(f"{fn}: input needs a class dim, got a 0-d tensor")
    if input.dtype.kind != "f":
        raise TypeError(f"{fn}: input must be floating point, got {input.dtype}")
    return 1 if input.ndim >= 2 else 0


def _class_targets(input, target, weight, ignore_index: int, fn: str):
    """Validated targets as arrays: the class dim, the class index (ignored ones set to 0),
    the mask of kept targets, the per-target weight (0 where ignored) and the class weights."""
    dim = _class_dim(input, fn)
    classes = input.shape[dim]
    t = _on_device_of(input, target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{fn}: class-index targets must be integers (int64), got {t.dtype}")
    expected = input.shape[:dim] + input.shape[dim + 1 :]
    if t.shape != expected:
        raise ValueError(
            f"{fn}: target of shape {t.shape} does not fit input of shape {input.shape} "
            f"(expected target shape {expected})"
        )
    kept = t != ignore_index
    bad = kept & ((t < 0) | (t >= classes))
    if bad.any():
        raise IndexError(
            f"{fn}: target value {int(t[bad].flat[0])} is out of range for {classes} classes"
        )
    xp = backend_of(input.data).xp
    index = xp.where(kept, t, 0).astype(np.int64)
    w = _weight_array(input, weight, classes, fn)
    per_target = kept.astype(input.dtype) if w is None else xp.where(kept, w[index], 0)
    return dim, index, kept, per_target.astype(input.dtype, copy=False), w


def _on_device_of(input, value):  # noqa: A002
    """``value`` (a Tensor, an array or a list) as an array on ``input``'s device."""
    data = value.data if isinstance(value, Tensor) else value
    if not is_array(data):
        data = np.asarray(data)
    backend = backend_of(input.data)
    if backend_of(data) is not backend:
        data = backend.from_host(backend_of(data).to_host(data), input.device)
    return data


def _weight_array(input, weight, classes: int, fn: str):  # noqa: A002
    if weight is None:
        return None
    w = _on_device_of(input, weight)
    if w.shape != (classes,):
        raise ValueError(f"{fn}: weight has shape {w.shape}, expected ({classes},)")
    return w.astype(input.dtype, copy=False)


def _reduce(loss: Tensor, reduction: str, denominator) -> Tensor:
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    # all targets ignored: 0 / 0 = nan, as PyTorch
    with backend_of(loss.data).errstate(invalid="ignore", divide="ignore"):
        return total / denominator


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits ``input`` (N, C, ...) or (C,) against class indices (N, ...)
    or class probabilities of ``input``'s shape, in one fused, overflow-free primitive.

    ``weight`` rescales each class; the mean divides by the summed weights of the kept targets
    (PyTorch's weighted mean). ``label_smoothing`` mixes the target with the uniform
    distribution; targets equal to ``ignore_index`` contribute nothing.
    """
    fn = "cross_entropy"
    _check_reduction(reduction, fn)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {label_smoothing}")
    dim = _class_dim(input, fn)
    classes = input.shape[dim]
    class_shape = (classes,) + (1,) * (input.ndim - dim - 1)
    if isinstance(target, Tensor) and target.dtype.kind == "f":
        if target.shape != input.shape:
            raise ValueError(
                f"{fn}: probability target of shape {target.shape} must have input's shape "
                f"{input.shape}"
            )
        q = target.to(input.dtype)
        if label_smoothing:
            q = q * (1.0 - label_smoothing) + label_smoothing / classes
        w = _weight_array(input, weight, classes, fn)
        if w is not None:
            q = q * Tensor._make(w.reshape(class_shape))
        loss = CROSS_ENTROPY(input, q, dim=dim)
        return _reduce(loss, reduction, max(input.numel() // max(classes, 1), 1))
    _, index, kept, per_target, w = _class_targets(input, target, weight, ignore_index, fn)
    # the target distribution q, weights folded in: loss = -sum(q * log_softmax(input))
    xp = backend_of(input.data).xp
    q = xp.zeros(input.shape, dtype=input.dtype)
    xp.put_along_axis(q, xp.expand_dims(index, dim), xp.expand_dims(per_target, dim), axis=dim)
    if label_smoothing:
        q *= 1.0 - label_smoothing
        spread = xp.ones(class_shape, input.dtype) if w is None else w.reshape(class_shape)
        q += (label_smoothing / classes) * spread * xp.expand_dims(kept, dim)
    loss = CROSS_ENTROPY(input, Tensor._make(q), dim=dim)
    return _reduce(loss, reduction, per_target.sum())


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C, ...) at the class indices
    ``target`` (N, ...): ``-weight[t] * input[t]``, weighted mean by default (as PyTorch)."""
    fn = "nll_loss"
    _check_reduction(reduction, fn)
    dim, index, _, per_target, _ = _class_targets(input, target, weight, ignore_index, fn)
    xp = backend_of(input.data).xp
    picked = input.take_along(xp.expand_dims(index, dim), dim).squeeze(dim)
    loss = picked * Tensor._make(-per_target)
    return _reduce(loss, reduction, per_target.sum())


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error ``(input - target)^2``, reduced by ``reduction``."""
    _check_reduction(reduction, "mse_loss")
    if isinstance(target, Tensor) and target.shape != input.shape:
        warnings.warn(
            f"mse_loss: target shape {target.shape} differs from input shape {input.shape}; "
            "they will broadcast, which is probably not what you want",
            stacklevel=2,
        )
    diff = input - target
    loss = diff * diff
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()
