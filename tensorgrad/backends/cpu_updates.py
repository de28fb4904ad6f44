"""The CPU's optimizer updates: one fused Numba pass per parameter (``tensorgrad.kernels.
updates``), the same numbers as the reference in ``tensorgrad.backends.updates``, which still
serves what the kernels do not cover (AMSGrad, a non-contiguous parameter). A big parameter's
elements are split across the kernel threads: each element's update is independent of the
others, so the numbers do not depend on the split."""

import math

import numpy as np

from ..kernels import updates as kupdates
from . import updates
from .batch_threads import ELEMENT_COST, ENTERED, batch_slices, run_slices

# an update reads three to five streams and writes two or three: a memory-bound element each,
# twice that with Adam's or Adadelta's square roots and division. Split across two threads,
# SGD with momentum paid from ~250k elements on (131k: 41-53 us against 36-46 on one thread),
# Adam already at 131k (122-138 us against 160)
_SGD_COST = ELEMENT_COST
_UPDATE_COST = 2 * ELEMENT_COST


def _run(kernel, arrays, *scalars, cost=_UPDATE_COST) -> None:
    """``kernel(*arrays, *scalars)`` over slices of the flat, equally long ``arrays``."""
    n = arrays[0].shape[0]

    def run(s):
        kernel(*(a[s] for a in arrays), *scalars, ENTERED)

    run_slices(run, batch_slices(n, n * cost), announced=True)


def _flat(p, grad):
    """(p, grad) as flat views for a kernel, or None when p cannot be updated through one (not
    a contiguous float array, or a gradient of another dtype or shape)."""
    if not (p.flags.c_contiguous and p.dtype.kind == "f" and grad.dtype == p.dtype):
        return None
    if grad.shape != p.shape:
        return None
    return p.reshape(-1), np.ascontiguousarray(grad).reshape(-1)


def sgd_update(p, grad, buf, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
    flat = _flat(p, grad)
    if flat is None:
        return updates.sgd_update(
            np, p, grad, buf, lr=lr, momentum=momentum, dampening=dampening,
            weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
        )  # fmt: skip
    first = buf is None
    if momentum != 0 and first:
        buf = np.empty_like(p)
    t = p.dtype.type
    _run(
        kupdates.sgd, (*flat, flat[0] if buf is None else buf.reshape(-1)), t(lr), t(momentum),
        t(1 - dampening), t(weight_decay), bool(nesterov), bool(maximize), first, cost=_SGD_COST,
    )  # fmt: skip
    return buf if momentum != 0 else None


def adam_update(p, grad, state, *, lr, beta1, beta2, eps, weight_decay, decoupled, maximize):
    flat = _flat(p, grad)
    if flat is None or "max_exp_avg_sq" in state:
        return updates.adam_update(
            np, p, grad, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
            weight_decay=weight_decay, decoupled=decoupled, maximize=maximize,
        )  # fmt: skip
    t, step = p.dtype.type, state["step"]
    decay = 1 - lr * weight_decay if decoupled and weight_decay != 0 else 1
    _run(
        kupdates.adam, (*flat, state["exp_avg"].reshape(-1), state["exp_avg_sq"].reshape(-1)),
        t(decay), t(0 if decoupled else weight_decay), t(1 - beta1), t(beta2), t(1 - beta2),
        t(lr / (1 - beta1**step)), t(math.sqrt(1 - beta2**step)), t(eps), bool(maximize),
    )  # fmt: skip


def adadelta_update(p, grad, state, *, lr, rho, eps, weight_decay, maximize):
    flat = _flat(p, grad)
    if flat is None:
        return updates.adadelta_update(
            np, p, grad, state, lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
            maximize=maximize,
        )  # fmt: skip
    t = p.dtype.type
    _run(
        kupdates.adadelta, (*flat, state["square_avg"].reshape(-1), state["acc_delta"].reshape(-1)),
        t(lr), t(rho), t(1 - rho), t(eps), t(weight_decay), bool(maximize),
    )  # fmt: skip
