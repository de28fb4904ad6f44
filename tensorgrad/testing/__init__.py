"""Tools to test ops: gradient checks and Hypothesis strategies (needs the ``test`` extra)."""

from ..autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from .strategies import arrays, broadcastable_shapes, shapes

__all__ = [
    "GradcheckError",
    "arrays",
    "broadcastable_shapes",
    "gradcheck",
    "gradgradcheck",
    "shapes",
]
