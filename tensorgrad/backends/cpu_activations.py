"""The CPU's GELU: one Numba pass forward, one backward (``tensorgrad.kernels.activations``),
the elements split across the kernel threads when it pays; other dtypes than float32 and
float64 take the array-module formulas (``backends.special``)."""

import numpy as np

from ..kernels import activations as kact
from . import special
from .batch_threads import ELEMENT_COST, batch_slices, run_slices

# a GELU element costs about as much as this many multiply-adds (two rational polynomials)
_GELU_COST = 4 * ELEMENT_COST
_KERNELS = {
    np.dtype(np.float32): (kact.gelu32, kact.gelu_grad32),
    np.dtype(np.float64): (kact.gelu64, kact.gelu_grad64),
}


def _elementwise(kernel, out, *arrays, tanh_form):
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    dst = out.reshape(-1)

    def run(s):
        kernel(*flat, tanh_form, s.start, s.stop, dst)

    run_slices(run, batch_slices(dst.size, dst.size * _GELU_COST))
    return out


def gelu(x, approximate: str):
    kernels = _KERNELS.get(x.dtype)
    if kernels is None:
        return special.gelu(np, x, approximate)
    return _elementwise(kernels[0], np.empty(x.shape, x.dtype), x, tanh_form=approximate == "tanh")


def gelu_backward(grad, x, approximate: str):
    kernels = _KERNELS.get(x.dtype)
    if kernels is None or grad.dtype != x.dtype:
        return special.gelu_backward(np, grad, x, approximate)
    out = np.empty(x.shape, x.dtype)
    return _elementwise(kernels[1], out, grad, x, tanh_form=approximate == "tanh")
