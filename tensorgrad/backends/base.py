"""A backend: one device type's array module plus the short table of primitives it lacks.

Op forwards use ``backend.xp`` (NumPy on the CPU, CuPy on CUDA) for everything an array
module provides, and the backend's own methods for the rest: convolution and its two
gradients, the pools and their backwards, batch normalisation's passes, scatter-add, optimizer
updates and random draws.
The methods take and return arrays of this backend only; moving data between devices is
``from_host`` / ``to_host`` and nothing else.
"""

import contextlib

import numpy as np

from . import attention_arrays, norms, special, updates
from .device import device


class Backend:
    """The interface; ``ArrayBackend`` (any array module) and ``CpuBackend`` implement it."""

    type: str  # the device type: "cpu", "cuda", ...
    xp = None  # the array module
    array_types: tuple = ()

    def device_of(self, array) -> device:
        return device(self.type)

    def from_host(self, array: np.ndarray, where: device):
        """A copy of a host ndarray on device ``where`` of this type."""
        raise NotImplementedError

    def to_host(self, array) -> np.ndarray:
        """A host ndarray with the array's values (a copy unless the array is on the host)."""
        raise NotImplementedError

    # -- random draws: from the host generator, so a seed gives the same numbers everywhere --
    def random(self, generator: np.random.Generator, kind: str, shape: tuple, dtype, where):
        """``generator.<kind>`` draws of ``shape`` (``random``, ``standard_normal``) as an
        array of ``dtype`` on ``where``."""
        draw = getattr(generator, kind)
        return self.from_host(draw(shape, dtype=dtype), where)

    # -- optimizer updates (in place) ---------------------------------------------------------
    def sgd_update(self, p, grad, buf, **hyper):
        return updates.sgd_update(self.xp, p, grad, buf, **hyper)

    def adam_update(self, p, grad, state, **hyper):
        updates.adam_update(self.xp, p, grad, state, **hyper)

    def adadelta_update(self, p, grad, state, **hyper):
        updates.adadelta_update(self.xp, p, grad, state, **hyper)

    def matmul(self, a, b):
        """``a @ b`` (the CPU splits big 2-D products across its kernel threads)."""
        return a @ b

    def linear(self, x, w, bias):
        """``x @ w.T + bias`` for a 2-D ``x``: the product, then the bias added to it."""
        out = self.matmul(x, w.T)
        out += bias
        return out

    def sum_rows(self, a, b=None):
        """``a`` (times ``b`` elementwise, when given) summed over its rows: (rows, n) -> (n,),
        for the weight and bias gradients."""
        return (a if b is None else a * b).sum(axis=0)

    # -- batch and layer normalisation (``tensorgrad.backends.norms``) --------------------------
    def batch_norm_forward(self, x, *affine, eps):
        return norms.batch_norm_forward(self.xp, x, *affine, eps=eps)

    def batch_norm_eval(self, x, mean, scale, shift):
        return norms.batch_norm_eval(self.xp, x, mean, scale, shift)

    def batch_norm_sums(self, g, x, mean):
        return norms.batch_norm_sums(self.xp, g, x, mean)

    def batch_norm_input_grad(self, g, x, mean, coefficients):
        return norms.batch_norm_input_grad(self.xp, g, x, mean, coefficients)

    def layer_norm_forward(self, x, weight, bias, eps):
        return norms.layer_norm_forward(self.xp, x, weight, bias, eps)

    def layer_norm_input_grad(self, grad, weight, xhat, invstd):
        return norms.layer_norm_input_grad(self.xp, grad, weight, xhat, invstd)

    # -- fused recurrences: None where the backend has none, and ``ops.recurrent_arrays``' array
    # path runs (the same contract) -------------------------------------------------------
    def lstm_forward(self, x, h0, c0, w_hh, w_hr, keep_steps=True, bias=None):
        return None

    def lstm_backward(self, grad, c0, w_hh, w_hr, out, acts, tanh_c):
        return None

    # -- self-attention on packed projections (``tensorgrad.backends.attention_arrays``) ----
    def packed_attention(self, qkv, mask, heads: int, scale: float):
        """(out, saved): the attention output and what the backward pass reads."""
        return attention_arrays.packed_attention(self.xp, qkv, mask, heads, scale)

    def packed_attention_backward(self, grad, qkv, saved, heads: int, scale: float):
        return attention_arrays.packed_attention_backward(self.xp, grad, qkv, saved, heads, scale)

    # -- ReLU and GELU (``tensorgrad.backends.special``) ---------------------------------------
    def relu(self, x):
        return self.xp.maximum(x, 0)

    def relu_backward(self, grad, x):
        """grad where x > 0 (or NaN), else 0: grad times 1 or 0."""
        return grad * ~(x <= 0)

    def gelu(self, x, approximate: str):
        return special.gelu(self.xp, x, approximate)

    def gelu_backward(self, grad, x, approximate: str):
        return special.gelu_backward(self.xp, grad, x, approximate)

    def scatter_add(self, out, key, values) -> None:
        """``out[key] += values`` with repeated indices accumulating."""
        self.xp.add.at(out, key, values)

    def errstate(self, **kinds):
        """A context that silences the floating-point warnings named (NumPy's ``errstate``);
        array modules that never warn need nothing."""
        return contextlib.nullcontext()

    def __repr__(self) -> str:
        return f"<{self.type} backend>"
