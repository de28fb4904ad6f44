"""The CPU's ReLU and GELU: one Numba pass forward, one backward (``tensorgrad.kernels.relu``,
``tensorgrad.kernels.activations``), the elements split across the kernel threads when it pays;
other dtypes than float32 and float64 take the array-module formulas."""

import numpy as np

from ..kernels import activations as kact
from ..kernels import relu as krelu
from . import special
from .batch_threads import ELEMENT_COST, ENTERED, batch_slices, run_slices

# a GELU element costs about as much as this many multiply-adds (two rational polynomials)
_GELU_COST = 4 * ELEMENT_COST
_KERNELS = {
    np.dtype(np.float32): (kact.gelu32, kact.gelu_grad32),
    np.dtype(np.float64): (kact.gelu64, kact.gelu_grad64),
}


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _elementwise(kernel, out, arrays, constants, cost):
    """``kernel(*arrays, *constants, lo, hi, out)`` on the flattened arrays, in slices."""
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    dst = out.reshape(-1)

    def run(s):
        kernel(*flat, *constants, s.start, s.stop, dst, ENTERED)

    run_slices(run, batch_slices(dst.size, dst.size * cost), announced=True)
    return out


def relu(x):
    if x.dtype not in _FLOATS:
        return np.maximum(x, 0)
    zero = x.dtype.type(0)
    return _elementwise(krelu.relu, np.empty(x.shape, x.dtype), (x,), (zero,), ELEMENT_COST)


def relu_backward(grad, x):
    if x.dtype not in _FLOATS or grad.dtype != x.dtype or grad.shape != x.shape:
        return grad * ~(x <= 0)
    constants = (x.dtype.type(0), x.dtype.type(1))
    out = np.empty(x.shape, x.dtype)
    return _elementwise(krelu.relu_grad, out, (grad, x), constants, ELEMENT_COST)


def gelu(x, approximate: str):
    kernels = _KERNELS.get(x.dtype)
    if kernels is None:
        return special.gelu(np, x, approximate)
    out = np.empty(x.shape, x.dtype)
    return _elementwise(kernels[0], out, (x,), (approximate == "tanh",), _GELU_COST)


def gelu_backward(grad, x, approximate: str):
    kernels = _KERNELS.get(x.dtype)
    if kernels is None or grad.dtype != x.dtype:
        return special.gelu_backward(np, grad, x, approximate)
    out = np.empty(x.shape, x.dtype)
    return _elementwise(kernels[1], out, (grad, x), (approximate == "tanh",), _GELU_COST)
