"""NAdam (Dozat, 2016): Adam with Nesterov momentum, PyTorch's update rule and momentum decay."""

from ..backends import array_module
from .optimizer import Optimizer, _closure_loss


class NAdam(Optimizer):
    """NAdam, in place on ``p.data``; ``mu_t`` decays the momentum over the steps::

    g = -grad if maximize else grad
    p *= 1 - lr * wd (decoupled_weight_decay)   or   g += wd * p
    mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay));  mu_product *= mu_t
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
    p -= lr * ((1 - mu_t) / (1 - mu_product) * g
               + mu_{t+1} / (1 - mu_product * mu_{t+1}) * m) / (sqrt(v / (1 - beta2^t)) + eps)

    The state (``mu_product``, ``exp_avg`` m, ``exp_avg_sq`` v) is made with the parameter's
    array module.
    """

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
            momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        check_adam_like(type(self).__name__, group)
        if group["momentum_decay"] < 0.0:
            raise ValueError(
                f"NAdam: invalid momentum_decay {group['momentum_decay']} (must be >= 0)"
            )

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            for p, grad in self._params_with_grad(group):
                xp = array_module(p.data)
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["mu_product"] = 1.0
                    state["exp_avg"] = xp.zeros_like(p.data)
                    state["exp_avg_sq"] = xp.zeros_like(p.data)
                state["step"] += 1
                t = state["step"]
                g = decayed_gradient(p, grad, group)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * group["momentum_decay"]))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * group["momentum_decay"]))
                state["mu_product"] *= mu
                product = state["mu_product"]
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * g * g
                denom = xp.sqrt(v / (1 - beta2**t)) + eps
                step = (1 - mu) / (1 - product) * g + mu_next / (1 - product * mu_next) * m
                p.data -= (lr * step / denom).astype(p.dtype, copy=False)
        return loss


def check_adam_like(name: str, group: dict) -> None:
    """The checks of Adam's hyper-parameters (lr, eps, weight_decay >= 0, betas in [0, 1))."""
    for key in ("lr", "eps", "weight_decay"):
        if group[key] < 0.0:
            raise ValueError(f"{name}: invalid {key} {group[key]} (must be >= 0)")
    beta1, beta2 = group["betas"]
    if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
        raise ValueError(f"{name}: invalid betas {group['betas']} (each must be in [0, 1))")


def decayed_gradient(p, grad, group: dict):
    """The gradient (negated to maximize) with L2 weight decay added, or the parameter decayed
    in place first when ``decoupled_weight_decay`` (AdamW's rule)."""
    g = -grad if group["maximize"] else grad
    wd = group["weight_decay"]
    if wd and group["decoupled_weight_decay"]:
        p.data *= p.dtype.type(1 - group["lr"] * wd)
    elif wd:
        g = g + wd * p.data
    return g
