"""RAdam (Liu et al., 2020): Adam with its variance rectified, PyTorch's update rule."""

import math

from ..backends import array_module
from .nadam import check_adam_like, decayed_gradient
from .optimizer import Optimizer, _closure_loss


class RAdam(Optimizer):
    """RAdam, in place on ``p.data``: plain momentum SGD while the variance estimate has too
    few steps behind it (rho_t <= 5), Adam with a rectification factor r_t after::

    g = -grad if maximize else grad
    p *= 1 - lr * wd (decoupled_weight_decay)   or   g += wd * p
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
    m_hat = m / (1 - beta1^t);  rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    rho_t > 5: r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
               p -= lr * m_hat * r_t * sqrt(1 - beta2^t) / (sqrt(v) + eps)
    otherwise: p -= lr * m_hat

    The state (``exp_avg`` m, ``exp_avg_sq`` v) is made with the parameter's array module.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        check_adam_like("RAdam", group)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            rho_inf = 2 / (1 - beta2) - 1
            for p, grad in self._params_with_grad(group):
                xp = array_module(p.data)
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = xp.zeros_like(p.data)
                    state["exp_avg_sq"] = xp.zeros_like(p.data)
                state["step"] += 1
                t = state["step"]
                g = decayed_gradient(p, grad, group)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * g * g
                m_hat = m / (1 - beta1**t)
                rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
                if rho_t > 5.0:
                    ratio = (rho_t - 4) * (rho_t - 2) * rho_inf
                    rect = math.sqrt(ratio / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    step = m_hat * (rect * math.sqrt(1 - beta2**t)) / (xp.sqrt(v) + eps)
                else:
                    step = m_hat
                p.data -= (lr * step).astype(p.dtype, copy=False)
        return loss
