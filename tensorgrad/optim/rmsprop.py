"""RMSprop (Hinton's lecture 6e), PyTorch's update rule, in place on ``p.data``."""

from ..backends import backend_of
from .optimizer import Optimizer, _closure_loss


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of its recent values::

    g = -grad if maximize else grad;  g += weight_decay * p
    v = alpha * v + (1 - alpha) * g^2
    centered: m = alpha * m + (1 - alpha) * g;  s = sqrt(v - m^2) + eps, else s = sqrt(v) + eps
    momentum > 0: b = momentum * b + g / s;  p -= lr * b,  else p -= lr * g / s
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        for key in ("lr", "eps", "momentum", "weight_decay", "alpha"):
            if group[key] < 0.0:
                raise ValueError(f"RMSprop: invalid {key} {group[key]} (must be >= 0)")

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            weight_decay, momentum = group["weight_decay"], group["momentum"]
            for p, grad in self._params_with_grad(group):
                xp = backend_of(p.data).xp
                g = -grad if group["maximize"] else grad
                if weight_decay != 0:
                    g = g + weight_decay * p.data
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["square_avg"] = xp.zeros_like(p.data)
                    if momentum > 0:
                        state["momentum_buffer"] = xp.zeros_like(p.data)
                    if group["centered"]:
                        state["grad_avg"] = xp.zeros_like(p.data)
                state["step"] += 1
                square_avg = state["square_avg"]
                square_avg *= alpha
                square_avg += (1 - alpha) * (g * g)
                if group["centered"]:
                    grad_avg = state["grad_avg"]
                    grad_avg += (1 - alpha) * (g - grad_avg)  # torch's lerp
                    avg = xp.sqrt(square_avg - grad_avg * grad_avg)
                else:
                    avg = xp.sqrt(square_avg)
                avg += eps
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf *= momentum
                    buf += g / avg
                    p.data -= lr * buf
                else:
                    p.data -= lr * (g / avg)
        return loss
