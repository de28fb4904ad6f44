"""Primitive ops: each one forward on arrays plus one VJP per input (see ``registry``)."""

from . import conv, device, elementwise, linalg, nn, pool, reduce, shape  # noqa: F401,I001  (ops register on import)
from . import recurrent  # noqa: F401  (issue 13 layers: the fused LSTM cell)
from . import unfold  # noqa: F401
from . import attention  # noqa: F401  (MultiheadAttention's fused heads)
from .registry import REGISTRY, Op, defop, is_grad_enabled

__all__ = ["REGISTRY", "Op", "defop", "is_grad_enabled"]
