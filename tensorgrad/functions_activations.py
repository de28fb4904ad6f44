"""Activation functions of issue 13 with ``torch.nn.functional``'s signatures: softplus,
leaky_relu, elu, silu, gelu (exact and tanh), hardtanh, softsign. Re-exported by
``tensorgrad.nn.functional``; the ones with a kink or threshold, and gelu, are primitives
(``ops/math.py``), the other smooth ones compositions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .functions import clamp, sigmoid, where
from .ops import math as math_ops

if TYPE_CHECKING:
    from .tensor import Tensor


def _not_inplace(inplace: bool, fn: str) -> None:
    if inplace:
        raise NotImplementedError(
            f"{fn}: inplace=True is not supported (tensorgrad records no in-place ops)"
        )


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """``log(1 + exp(beta x)) / beta``, and ``x`` where ``beta x > threshold``."""
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero")
    return math_ops.SOFTPLUS(input, beta=float(beta), threshold=float(threshold))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where ``x > 0``, else ``negative_slope * x``."""
    _not_inplace(inplace, "leaky_relu")
    return math_ops.LEAKY_RELU(input, negative_slope=float(negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    _not_inplace(inplace, "elu")
    return math_ops.ELU(input, alpha=float(alpha))


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * sigmoid(x)`` (the swish)."""
    _not_inplace(inplace, "silu")
    return input * sigmoid(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """``x * Phi(x)`` with ``Phi`` the standard normal CDF, ``0.5 (1 + erf(x / sqrt 2))``;
    ``approximate="tanh"``: ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    if approximate in ("none", "tanh"):
        return math_ops.GELU(input, approximate=approximate)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def hardtanh(
    input: Tensor,  # noqa: A002
    min_val: float = -1.0,
    max_val: float = 1.0,
    inplace: bool = False,
) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``; the gradient is 1 strictly inside and 0 at
    and beyond the limits (PyTorch's hardtanh; ``clamp`` passes it at the limits)."""
    _not_inplace(inplace, "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} must not exceed max_val {max_val}")
    inside = (input.data > min_val) & (input.data < max_val)
    return where(inside, input, clamp(input.detach(), min_val, max_val))


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """``x / (1 + |x|)``."""
    return input / (1.0 + input.abs())


__all__ = ["elu", "gelu", "hardtanh", "leaky_relu", "silu", "softplus", "softsign"]
