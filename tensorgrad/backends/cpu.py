"""The CPU backend: NumPy for the array module, Numba kernels for convolution and pooling."""

import numpy as np

from . import cpu_conv, cpu_pool
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

    conv2d = staticmethod(cpu_conv.conv2d)
    conv2d_input_grad = staticmethod(cpu_conv.conv2d_input_grad)
    conv2d_weight_grad = staticmethod(cpu_conv.conv2d_weight_grad)
    max_pool2d = staticmethod(cpu_pool.max_pool2d)
    max_pool2d_scatter = staticmethod(cpu_pool.max_pool2d_scatter)
    max_pool2d_gather = staticmethod(cpu_pool.max_pool2d_gather)
    max_pool2d_flat_index = staticmethod(cpu_pool.max_pool2d_flat_index)
    avg_pool2d = staticmethod(cpu_pool.avg_pool2d)
    avg_pool2d_backward = staticmethod(cpu_pool.avg_pool2d_backward)


CPU = CpuBackend()
