"""Adadelta (Zeiler, 2012), PyTorch's update rule, in place on ``p.data``."""

from ..backends import backend_of
from .optimizer import Optimizer, _closure_loss


class Adadelta(Optimizer):
    """Adadelta: a step size from the running averages of squared gradients and squared
    updates, scaled by ``lr`` (1.0 by default, as PyTorch)::

    g = -grad if maximize else grad;  g += weight_decay * p
    v = rho * v + (1 - rho) * g^2
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u = rho * u + (1 - rho) * delta^2;  p -= lr * delta

    The state (``square_avg`` v, ``acc_delta`` u) is made with the parameter's array module;
    the update is the backend's (one fused pass per parameter on the CPU).
    """

    def __init__(
        self,
        params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        for key in ("lr", "eps", "weight_decay"):
            if group[key] < 0.0:
                raise ValueError(f"Adadelta: invalid {key} {group[key]} (must be >= 0)")
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Adadelta: invalid rho {group['rho']} (must be in [0, 1])")

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            hyper = {k: group[k] for k in ("lr", "rho", "eps", "weight_decay", "maximize")}
            for p, grad in self._params_with_grad(group):
                backend = backend_of(p.data)
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["square_avg"] = backend.xp.zeros_like(p.data)
                    state["acc_delta"] = backend.xp.zeros_like(p.data)
                state["step"] += 1
                backend.adadelta_update(p.data, grad, state, **hyper)
        return loss
