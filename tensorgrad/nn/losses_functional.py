"""Loss functions: cross_entropy (a fused primitive), nll_loss, mse_loss, binary cross-entropy
(on probabilities and on logits), kl_div, smooth_l1_loss and huber_loss; PyTorch's semantics."""

import math
import warnings

import numpy as np

from ..backends import backend_of, is_array
from ..functions import log, where
from ..ops.math import SOFTPLUS
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


# -- issue 13: binary cross-entropy, KL divergence, smooth L1 and Huber -------------------------
def _check_same_shape(input: Tensor, target: Tensor, fn: str) -> None:  # noqa: A002
    if not isinstance(target, Tensor):
        raise TypeError(f"{fn}: target must be a Tensor, got {type(target).__name__}")
    if target.shape != input.shape:
        raise ValueError(
            f"{fn}: target of shape {target.shape} must have the input's shape {input.shape}"
        )


def _mean_reduced(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _log_at_least_minus_100(p: Tensor) -> Tensor:
    """log(p) clamped to >= -100, as PyTorch's BCE; p = 0 gives -100 and a zero gradient."""
    positive = p.data > 0
    return where(positive, log(where(positive, p, 1.0)), -100.0).clamp(min=-100.0)


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``-weight * (t log(x) + (1 - t) log(1 - x))`` for probabilities ``x`` in [0, 1], each
    log clamped to >= -100 as PyTorch (so a certain wrong answer costs 100, not inf)."""
    fn = "binary_cross_entropy"
    _check_reduction(reduction, fn)
    _check_same_shape(input, target, fn)
    if ((input.data < 0) | (input.data > 1)).any():
        raise RuntimeError(f"{fn}: all elements of input should be between 0 and 1")
    t = target.to(input.dtype)
    loss = -(t * _log_at_least_minus_100(input) + (1.0 - t) * _log_at_least_minus_100(1.0 - input))
    if weight is not None:
        loss = loss * weight
    return _mean_reduced(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy of ``sigmoid(input)`` computed from the logits without overflow:
    ``(1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)``. ``pos_weight`` weighs the positive
    term per class (it broadcasts against the last dim), ``weight`` each element."""
    fn = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, fn)
    _check_same_shape(input, target, fn)
    t = target.to(input.dtype)
    softplus_neg = SOFTPLUS(-input, beta=1.0, threshold=math.inf)  # -log(sigmoid(x))
    if pos_weight is None:
        loss = (1.0 - t) * input + softplus_neg
    else:
        loss = (1.0 - t) * input + (1.0 + (pos_weight - 1.0) * t) * softplus_neg
    if weight is not None:
        loss = loss * weight
    return _mean_reduced(loss, reduction)


def kl_div(
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL divergence ``target * (log(target) - input)`` of log-probabilities ``input`` from
    ``target`` (0 where target is 0); with ``log_target`` the target is given as logs too.
    ``reduction="batchmean"`` divides the sum by the batch size (the true KL); ``"mean"``
    averages over every element and warns, as PyTorch."""
    fn = "kl_div"
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{fn}: reduction must be one of {_REDUCTIONS + ('batchmean',)}")
    if not isinstance(target, Tensor):
        raise TypeError(f"{fn}: target must be a Tensor, got {type(target).__name__}")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target.data > 0
        xlogx = where(positive, target * log(where(positive, target, 1.0)), 0.0)
        loss = xlogx - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    if reduction == "mean":
        warnings.warn(
            "kl_div: reduction='mean' divides the total loss by both the batch size and the "
            "support size; 'batchmean' divides only by the batch size and matches the "
            "mathematical definition of the KL divergence",
            stacklevel=2,
        )
    return _mean_reduced(loss, reduction)


def _warn_if_broadcast(input: Tensor, target, fn: str) -> None:  # noqa: A002
    if isinstance(target, Tensor) and target.shape != input.shape:
        warnings.warn(
            f"{fn}: target shape {target.shape} differs from input shape {input.shape}; "
            "they will broadcast, which is probably not what you want",
            stacklevel=3,
        )


def smooth_l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input - target``);
    ``beta = 0`` is the L1 loss."""
    fn = "smooth_l1_loss"
    _check_reduction(reduction, fn)
    if beta < 0:
        raise ValueError(f"{fn}: beta must be non-negative, got {beta}")
    _warn_if_broadcast(input, target, fn)
    diff = input - target
    size = diff.abs()
    if beta == 0:
        return _mean_reduced(size, reduction)
    loss = where(size.data < beta, diff * diff * (0.5 / beta), size - 0.5 * beta)
    return _mean_reduced(loss, reduction)


def huber_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``; equals
    ``delta * smooth_l1_loss(beta=delta)``."""
    fn = "huber_loss"
    _check_reduction(reduction, fn)
    if delta <= 0:
        raise ValueError(f"{fn}: delta must be positive, got {delta}")
    _warn_if_broadcast(input, target, fn)
    diff = input - target
    size = diff.abs()
    loss = where(size.data < delta, diff * diff * 0.5, (size - 0.5 * delta) * delta)
    return _mean_reduced(loss, reduction)
