"""SGD with momentum, dampening, Nesterov momentum and weight decay (PyTorch's update rule)."""

from ..backends import backend_of
from .optimizer import Optimizer, _closure_loss

_HYPER = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")


class SGD(Optimizer):
    """Stochastic gradient descent, updating ``p.data`` in place (the backend's update,
    ``tensorgrad.backends.updates.sgd_update`` on the CPU)::

    g = -grad if maximize else grad;  g += weight_decay * p
    b = g (first step) or momentum * b + (1 - dampening) * g
    g = g + momentum * b if nesterov else b;  p -= lr * g
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        for name in ("lr", "momentum", "weight_decay"):
            if group[name] < 0.0:
                raise ValueError(f"SGD: invalid {name} {group[name]} (must be >= 0)")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov momentum requires a momentum > 0 and zero dampening, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            hyper = {k: group[k] for k in _HYPER}
            for p, grad in self._params_with_grad(group):
                state = self.state.setdefault(p, {}) if group["momentum"] != 0 else {}
                buf = backend_of(p.data).sgd_update(
                    p.data, grad, state.get("momentum_buffer"), **hyper
                )
                if buf is not None:
                    state["momentum_buffer"] = buf
        return loss
