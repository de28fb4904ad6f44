"""Primitive ops: each one forward on ndarrays plus one VJP per input (see ``registry``)."""

from . import conv, elementwise, linalg, pool, reduce, shape  # noqa: F401,I001  (conv/pool ops register on import)
from .registry import REGISTRY, Op, defop

__all__ = ["REGISTRY", "Op", "defop", "elementwise", "linalg", "reduce", "shape"]
