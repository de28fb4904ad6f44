"""The CPU's pooling: Numba kernels, the batch split across the kernel threads when it pays.

Max pooling keeps each window's maximum position (``int8`` while windows hold at most 127
elements) as the residual that its scatter (the backward) and gather (the scatter's adjoint)
read. These functions are the CPU's entries of the backend table behind ``tensorgrad.ops.pool``;
parameters arrive normalised, no validation here.
"""

import numpy as np

from ..kernels import pool as kpool
from .batch_threads import ELEMENT_COST, ENTERED, batch_slices, run_slices


def _index_dtype(kernel_size) -> np.dtype:
    """int8 while window positions fit (less memory traffic in backward), else int32."""
    return np.dtype(np.int8) if kernel_size[0] * kernel_size[1] <= 127 else np.dtype(np.int32)


def _is_2x2(kernel_size, stride, padding, dilation, input_shape, out_size) -> bool:
    """LeNet's pools: 2x2 windows side by side, all inside the input (no ceil-mode window
    hanging over the edge); their forward has an unrolled kernel."""
    return (
        kernel_size == stride == (2, 2)
        and padding == (0, 0)
        and dilation == (1, 1)
        and 2 * out_size[0] <= input_shape[2]
        and 2 * out_size[1] <= input_shape[3]
    )


def max_pool2d(x, *, kernel_size, stride, padding, dilation, out_size, relu):
    n, c = x.shape[:2]
    index = np.empty((n, c, *out_size), dtype=_index_dtype(kernel_size))
    if _is_2x2(kernel_size, stride, padding, dilation, x.shape, out_size):
        x = np.ascontiguousarray(x)
        out = np.empty(index.shape, dtype=x.dtype)

        def run(s):
            kpool.max_pool_forward_2x2(x[s], index[s], relu, out[s], ENTERED)

        run_slices(run, batch_slices(n, x.size * ELEMENT_COST), announced=True)
        return out, index
    out = kpool.max_pool_forward(
        np.ascontiguousarray(x), index, *kernel_size, *stride, *padding, *dilation, relu
    )
    return out, index


def max_pool2d_scatter(grad, *, index, input_shape, kernel_size, stride, padding, dilation):
    grad = np.ascontiguousarray(grad)
    out = np.empty(input_shape, dtype=grad.dtype)

    if _is_2x2(kernel_size, stride, padding, dilation, input_shape, grad.shape[2:]):

        def run(s):
            kpool.max_pool_scatter_2x2(grad[s], index[s], out[s], ENTERED)

    else:

        def run(s):
            kpool.max_pool_scatter(
                grad[s], index[s], kernel_size[1], *stride, *padding, *dilation, out[s], ENTERED
            )

    run_slices(run, batch_slices(grad.shape[0], out.size * ELEMENT_COST), announced=True)
    return out


def max_pool2d_gather(src, *, index, input_shape, kernel_size, stride, padding, dilation):
    return kpool.max_pool_gather(
        np.ascontiguousarray(src), index, kernel_size[1], *stride, *padding, *dilation
    )


def max_pool2d_flat_index(index, *, input_shape, kernel_size, stride, padding, dilation):
    """PyTorch's ``return_indices`` (flat positions in each H*W plane) from saved positions."""
    return kpool.max_pool_flat_index(
        index, input_shape[3], kernel_size[1], *stride, *padding, *dilation
    )


def avg_pool2d(x, *, kernel_size, stride, padding, out_size, count_include_pad):
    return kpool.avg_pool_forward(
        np.ascontiguousarray(x), *out_size, *kernel_size, *stride, *padding, count_include_pad
    )


def avg_pool2d_backward(grad, *, input_shape, kernel_size, stride, padding, count_include_pad):
    return kpool.avg_pool_backward(
        np.ascontiguousarray(grad), *input_shape[2:], *kernel_size, *stride, *padding,
        count_include_pad,
    )  # fmt: skip
