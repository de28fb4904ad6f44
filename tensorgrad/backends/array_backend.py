"""A backend for any NumPy-like array module: the primitives from ``array_windows``."""

import functools

from . import array_windows
from .base import Backend


def _with_xp(name: str):
    impl = getattr(array_windows, name)

    @functools.wraps(impl)
    def primitive(self, *arrays, **params):
        return impl(self.xp, *arrays, **params)

    return primitive


class ArrayBackend(Backend):
    """Convolution and pooling as ``xp`` slicing plus matmul (see ``array_windows``)."""

    conv2d = _with_xp("conv2d")
    conv2d_input_grad = _with_xp("conv2d_input_grad")
    conv2d_weight_grad = _with_xp("conv2d_weight_grad")
    max_pool2d = _with_xp("max_pool2d")
    max_pool2d_scatter = _with_xp("max_pool2d_scatter")
    max_pool2d_gather = _with_xp("max_pool2d_gather")
    max_pool2d_flat_index = _with_xp("max_pool2d_flat_index")
    avg_pool2d = _with_xp("avg_pool2d")
    avg_pool2d_backward = _with_xp("avg_pool2d_backward")
