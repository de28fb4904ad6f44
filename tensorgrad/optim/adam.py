"""Adam and AdamW (decoupled weight decay), PyTorch's update rules, in place on ``p.data``."""

from ..backends import backend_of
from .optimizer import Optimizer, _closure_loss


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with PyTorch's bias corrections and optional AMSGrad, in
    place on ``p.data`` (the backend's update: ``tensorgrad.backends.updates.adam_update`` on
    the CPU, one fused kernel per parameter on CUDA)::

    g += weight_decay * p                (Adam; AdamW instead does p *= 1 - lr * wd)
    m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g^2
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    _decoupled = False

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        name = type(self).__name__
        for key in ("lr", "eps", "weight_decay"):
            if group[key] < 0.0:
                raise ValueError(f"{name}: invalid {key} {group[key]} (must be >= 0)")
        beta1, beta2 = group["betas"]
        if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
            raise ValueError(f"{name}: invalid betas {group['betas']} (each must be in [0, 1))")

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            hyper = dict(
                lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
                weight_decay=group["weight_decay"], decoupled=self._decoupled,
                maximize=group["maximize"],
            )  # fmt: skip
            for p, grad in self._params_with_grad(group):
                backend = backend_of(p.data)
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = backend.xp.zeros_like(p.data)
                    state["exp_avg_sq"] = backend.xp.zeros_like(p.data)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = backend.xp.zeros_like(p.data)
                state["step"] += 1
                backend.adam_update(p.data, grad, state, **hyper)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019): ``p *= 1 - lr * wd``
    before the Adam step; ``weight_decay`` defaults to 1e-2, as PyTorch."""

    _decoupled = True

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
