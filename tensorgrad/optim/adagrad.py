"""Adagrad (Duchi et al., 2011), PyTorch's update rule, in place on ``p.data``."""

from ..backends import backend_of
from .optimizer import Optimizer, _closure_loss


class Adagrad(Optimizer):
    """Scale each coordinate by the root of its summed squared gradients::

    g = -grad if maximize else grad;  g += weight_decay * p
    lr_t = lr / (1 + (t - 1) * lr_decay);  s += g^2;  p -= lr_t * g / (sqrt(s) + eps)

    As PyTorch, the state (``step`` 0 and ``sum`` filled with ``initial_accumulator_value``)
    is created with the optimizer, so ``state_dict()`` holds it before the first step.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                xp = backend_of(p.data).xp
                self.state[p] = {
                    "step": 0,
                    "sum": xp.full_like(p.data, group["initial_accumulator_value"]),
                }

    def _check_group(self, group: dict) -> None:
        for key in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            if group[key] < 0.0:
                raise ValueError(f"Adagrad: invalid {key} {group[key]} (must be >= 0)")

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            weight_decay = group["weight_decay"]
            for p, grad in self._params_with_grad(group):
                xp = backend_of(p.data).xp
                g = -grad if group["maximize"] else grad
                if weight_decay != 0:
                    g = g + weight_decay * p.data
                state = self.state.setdefault(p, {})
                if not state:  # a group added after construction
                    state["step"] = 0
                    state["sum"] = xp.full_like(p.data, group["initial_accumulator_value"])
                state["step"] += 1
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                state["sum"] += g * g
                p.data -= clr * (g / (xp.sqrt(state["sum"]) + eps))
        return loss
