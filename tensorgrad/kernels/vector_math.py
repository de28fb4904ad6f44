"""exp and erf for float32 kernels, written so that LLVM vectorises the loops calling them.

Without Intel's SVML (not installed here) Numba turns ``math.exp`` and ``math.erf`` into one libm
call per element; these are branch-free polynomials instead, to float32's precision:

- ``exp32``: Cephes' ``expf`` (2^k times a degree-6 polynomial on [-ln2/2, ln2/2]; 2^k built
  from its bits), 0 below -87.3 (so ``exp(-inf) = 0``), inf above 88.7, NaN kept.
- ``erf32``: the rational minimax ``x P(x^2) / Q(x^2)`` on [-4, 4] of Eigen and XLA (the
  coefficients ``ops/math.py`` uses for float32), +-1 beyond.

Both compile without fastmath and ``backends/special.py`` repeats them operation for operation
with array ops, so the CPU and the array-module devices round alike. float64 kernels call
``math``'s functions (accurate, one call per element).
"""

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .config import EXACT_JIT, njit


@intrinsic
def _int32_bits_as_float32(typingctx, bits):
    """The float32 whose bit pattern is the int32 ``bits`` (a bitcast, vectorisable)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.int32), codegen


@njit(**EXACT_JIT)
def exp32(x):
    """e^x in float32 (see the module docstring)."""
    x = np.float32(x)
    clamped = min(max(x, np.float32(-87.33654)), np.float32(88.37626))
    k = np.floor(clamped * np.float32(1.442695041) + np.float32(0.5))
    r = clamped - k * np.float32(0.693359375) - k * np.float32(-2.12194440e-4)
    p = np.float32(1.9875691500e-4)
    p = p * r + np.float32(1.3981999507e-3)
    p = p * r + np.float32(8.3334519073e-3)
    p = p * r + np.float32(4.1665795894e-2)
    p = p * r + np.float32(1.6666665459e-1)
    p = p * r + np.float32(5.0000001201e-1)
    p = p * r * r + r + np.float32(1.0)
    scale = _int32_bits_as_float32((np.int32(k) + np.int32(127)) << np.int32(23))
    out = p * scale
    if x < np.float32(-87.33654):
        out = np.float32(0.0)
    if x > np.float32(88.37626):
        out = np.float32(np.inf)
    if x != x:
        out = x
    return out


@njit(**EXACT_JIT)
def erf32(x):
    """erf(x) in float32 (see the module docstring)."""
    c = min(max(np.float32(x), np.float32(-4.0)), np.float32(4.0))
    s = c * c
    p = np.float32(-2.72614225801306e-10)
    p = p * s + np.float32(2.77068142495902e-08)
    p = p * s + np.float32(-2.10102402082508e-06)
    p = p * s + np.float32(-5.69250639462346e-05)
    p = p * s + np.float32(-7.34990630326855e-04)
    p = p * s + np.float32(-2.95459980854025e-03)
    p = p * s + np.float32(-1.60960333262415e-02)
    q = np.float32(-1.45660718464996e-05)
    q = q * s + np.float32(-2.13374055278905e-04)
    q = q * s + np.float32(-1.68282697438203e-03)
    q = q * s + np.float32(-7.37332916720468e-03)
    q = q * s + np.float32(-1.42647390514189e-02)
    return c * p / q
