"""Matrix multiplication for operands of two or more dims; batch dims broadcast.

The Tensor layer turns 1-D operands into matrices and back, as ``torch.matmul`` does. The
forward runs on the backend's GEMM (the CPU splits a big 2-D product across its kernel
threads); the VJPs are matmuls again, so they do too.
"""

from ..backends import backend_of
from .registry import defop


def _matmul_a(grad, out, a, b):
    """d(a @ b)/da . g = g @ b^T"""
    return grad @ b.mT


def _matmul_b(grad, out, a, b):
    """d(a @ b)/db . g = a^T @ g"""
    return a.mT @ grad


def _matmul(a, b):
    return backend_of(a).matmul(a, b)


MATMUL = defop("matmul", _matmul, (_matmul_a, _matmul_b))
