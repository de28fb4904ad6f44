"""``F.normalize`` (Lp normalisation along a dim) and ``F.celu`` / ``nn.CELU``, composed of
issue 13's ``norm`` and ``elu`` (no op of their own)."""

from ..errors import OpError
from ..functions_activations import _not_inplace, elu
from ..functions_math import norm
from ..tensor import Tensor
from .module import Module


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:  # noqa: A002
    """``input / max(||input||_p, eps)`` along ``dim``, as PyTorch (a zero vector stays 0)."""
    if p <= 0:
        raise OpError(f"normalize: p must be positive, got {p}")
    return input / norm(input, p, dim, keepdim=True).clamp(min=eps)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), which is alpha * elu(x / alpha)."""
    _not_inplace(inplace, "celu")
    if alpha == 0:
        raise OpError("celu: ZeroDivisionError (alpha must not be 0)")
    return elu(input) if alpha == 1 else elu(input / alpha) * alpha


class CELU(Module):
    """``celu`` as a layer."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        _not_inplace(inplace, "CELU")
        self.alpha = alpha

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return celu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"
