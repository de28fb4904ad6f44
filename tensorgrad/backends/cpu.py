"""The CPU backend: NumPy for the array module, Numba kernels for convolution, pooling,
batch and layer normalisation, ReLU, GELU, packed attention, scatter-add, the optimizer updates
and the LSTM's step."""

import numpy as np

from ..kernels.scatter import scatter_add_rows
from . import (
    cpu_activations,
    cpu_attention,
    cpu_batchnorm,
    cpu_conv,
    cpu_layer_norm,
    cpu_lstm,
    cpu_matmul,
    cpu_pool,
    cpu_row_sums,
    cpu_updates,
)
from .base import Backend
from .device import device

_CPU = device("cpu")


class CpuBackend(Backend):
    type = "cpu"
    xp = np
    array_types = (np.ndarray,)

    def device_of(self, array) -> device:
        return _CPU

    def from_host(self, array: np.ndarray, where: device) -> np.ndarray:
        return array

    def to_host(self, array) -> np.ndarray:
        return array

    def errstate(self, **kinds):
        return np.errstate(**kinds)

    def scatter_add(self, out, key, values) -> None:
        """``out[key] += values``, repeats accumulating: by rows in a kernel when ``key`` is one
        integer array on the first dim and ``values`` fits without broadcasting (a lookup's
        backward), else ``numpy.add.at``."""
        index = key[0] if len(key) == 1 else None
        if (
            isinstance(index, np.ndarray)
            and index.dtype.kind in "iu"
            and out.ndim >= 1
            and out.dtype.kind == "f"
            and values.dtype == out.dtype
            and values.shape == index.shape + out.shape[1:]
            and out.flags.c_contiguous
        ):
            rows = index.reshape(-1).astype(np.int64, copy=False)
            flat = out.reshape(out.shape[0], -1)  # a view: out is contiguous
            scatter_add_rows(flat, rows, values.reshape(rows.shape[0], flat.shape[1]))
        else:
            np.add.at(out, key, values)

    conv2d = staticmethod(cpu_conv.conv2d)
    conv2d_input_grad = staticmethod(cpu_conv.conv2d_input_grad)
    conv2d_weight_grad = staticmethod(cpu_conv.conv2d_weight_grad)
    max_pool2d = staticmethod(cpu_pool.max_pool2d)
    max_pool2d_scatter = staticmethod(cpu_pool.max_pool2d_scatter)
    max_pool2d_gather = staticmethod(cpu_pool.max_pool2d_gather)
    max_pool2d_flat_index = staticmethod(cpu_pool.max_pool2d_flat_index)
    avg_pool2d = staticmethod(cpu_pool.avg_pool2d)
    avg_pool2d_backward = staticmethod(cpu_pool.avg_pool2d_backward)
    batch_norm_forward = staticmethod(cpu_batchnorm.batch_norm_forward)
    batch_norm_eval = staticmethod(cpu_batchnorm.batch_norm_eval)
    batch_norm_sums = staticmethod(cpu_batchnorm.batch_norm_sums)
    batch_norm_input_grad = staticmethod(cpu_batchnorm.batch_norm_input_grad)
    layer_norm_forward = staticmethod(cpu_layer_norm.layer_norm_forward)
    layer_norm_input_grad = staticmethod(cpu_layer_norm.layer_norm_input_grad)
    relu = staticmethod(cpu_activations.relu)
    relu_backward = staticmethod(cpu_activations.relu_backward)
    gelu = staticmethod(cpu_activations.gelu)
    gelu_backward = staticmethod(cpu_activations.gelu_backward)
    matmul = staticmethod(cpu_matmul.matmul)
    linear = staticmethod(cpu_matmul.linear)
    sum_rows = staticmethod(cpu_row_sums.sum_rows)
    lstm_forward = staticmethod(cpu_lstm.lstm_forward)
    lstm_backward = staticmethod(cpu_lstm.lstm_backward)
    packed_attention = staticmethod(cpu_attention.packed_attention)
    packed_attention_backward = staticmethod(cpu_attention.packed_attention_backward)
    sgd_update = staticmethod(cpu_updates.sgd_update)
    adam_update = staticmethod(cpu_updates.adam_update)
    adadelta_update = staticmethod(cpu_updates.adadelta_update)


CPU = CpuBackend()
