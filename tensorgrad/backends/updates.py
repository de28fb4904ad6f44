"""Optimizer updates on raw arrays, in place, written once for any array module.

A backend may replace them with fused kernels (one pass over a parameter instead of one per
arithmetic step); these are the reference the fused ones are tested against.
"""

import math


def sgd_update(xp, p, grad, buf, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """PyTorch's SGD step on ``p``; ``buf`` is the momentum buffer (None on the first step or
    without momentum). Returns the buffer to keep (None without momentum)."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * p
    if momentum != 0:
        if buf is None:
            buf = g.astype(p.dtype, copy=True)
        else:
            buf *= momentum
            buf += (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    p -= lr * g
    return buf


def adam_update(xp, p, grad, state, *, lr, beta1, beta2, eps, weight_decay, decoupled, maximize):
    """PyTorch's Adam/AdamW step on ``p``; ``state`` holds ``step`` (already counted),
    ``exp_avg``, ``exp_avg_sq`` and, with AMSGrad, ``max_exp_avg_sq``."""
    g = -grad if maximize else grad
    step = state["step"]
    if weight_decay != 0:
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * p
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    exp_avg += (1 - beta1) * (g - exp_avg)  # torch's lerp for weights below 0.5
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * (g * g)
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = math.sqrt(1 - beta2**step)
    if "max_exp_avg_sq" in state:
        xp.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
        denom = xp.sqrt(state["max_exp_avg_sq"]) / bias_correction2_sqrt + eps
    else:
        denom = xp.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
    p -= step_size * (exp_avg / denom)


def adadelta_update(xp, p, grad, state, *, lr, rho, eps, weight_decay, maximize):
    """PyTorch's Adadelta step on ``p``; ``state`` holds ``square_avg`` and ``acc_delta``."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * p
    v, u = state["square_avg"], state["acc_delta"]
    v *= rho
    v += (1 - rho) * g * g
    delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g
    u *= rho
    u += (1 - rho) * delta * delta
    p -= (lr * delta).astype(p.dtype, copy=False)
