"""Max and average pooling, each with a backward that is an op itself (so double backward works).

max pooling: ``max_pool2d`` saves the position of each window's maximum (a residual);
``max_pool2d_scatter`` (its backward) adds gradients at those positions and
``max_pool2d_gather`` (the scatter's adjoint) reads them back. Both are linear in their input,
so they are each other's VJPs. ``relu=True`` fuses a ReLU into the max (``max(0, max(window))``
is ``relu(max_pool(x))`` in one pass, on the smaller output).

average pooling: ``avg_pool2d`` and ``avg_pool2d_backward`` are a linear map and its adjoint.

Parameters arrive normalised by ``tensorgrad.nn.conv_pool``: ``kernel_size=(kh, kw)``,
``stride``, ``padding``, ``dilation`` pairs and ``out_size=(oh, ow)``; no validation here.
"""

import numpy as np

from ..kernels import pool as kpool
from .batch_threads import ELEMENT_COST, batch_slices, run_slices
from .registry import defop


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


def _max_pool2d_forward(x, *, kernel_size, stride, padding, dilation, out_size, relu):
    n, c = x.shape[:2]
    index = np.empty((n, c, *out_size), dtype=_index_dtype(kernel_size))
    if _is_2x2(kernel_size, stride, padding, dilation, x.shape, out_size):
        x = np.ascontiguousarray(x)
        out = np.empty(index.shape, dtype=x.dtype)

        def run(s):
            kpool.max_pool_forward_2x2(x[s], index[s], relu, out[s])

        run_slices(run, batch_slices(n, x.size * ELEMENT_COST))
        return out, index
    out = kpool.max_pool_forward(
        np.ascontiguousarray(x), index, *kernel_size, *stride, *padding, *dilation, relu
    )
    return out, index


def _max_pool2d_vjp(grad, out, x, index, *, kernel_size, stride, padding, dilation, out_size, relu):
    """d max(window)/dx = 1 at the window's maximum (the first of equal ones, or the last NaN),
    0 elsewhere (times [out > 0] with the fused ReLU: windows with out <= 0 get position -1,
    nowhere, for the scatter; a NaN passes, as PyTorch's relu backward lets it)"""
    from ..tensor import apply

    if relu:
        index = np.where(out.data <= 0, np.array(-1, dtype=index.dtype), index)
    return apply(
        MAX_POOL2D_SCATTER,
        grad,
        index=index,
        input_shape=x.shape,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )


def _scatter_forward(grad, *, index, input_shape, kernel_size, stride, padding, dilation):
    grad = np.ascontiguousarray(grad)
    out = np.empty(input_shape, dtype=grad.dtype)

    if _is_2x2(kernel_size, stride, padding, dilation, input_shape, grad.shape[2:]):

        def run(s):
            kpool.max_pool_scatter_2x2(grad[s], index[s], out[s])

    else:

        def run(s):
            kpool.max_pool_scatter(
                grad[s], index[s], kernel_size[1], *stride, *padding, *dilation, out[s]
            )

    run_slices(run, batch_slices(grad.shape[0], out.size * ELEMENT_COST))
    return out


def _scatter_vjp(grad, out, src, *, index, input_shape, kernel_size, stride, padding, dilation):
    """d scatter(src)/dsrc = 1 read back at the scattered positions (a gather)"""
    from ..tensor import apply

    return apply(
        MAX_POOL2D_GATHER,
        grad,
        index=index,
        input_shape=input_shape,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )


def _gather_forward(src, *, index, input_shape, kernel_size, stride, padding, dilation):
    return kpool.max_pool_gather(
        np.ascontiguousarray(src), index, kernel_size[1], *stride, *padding, *dilation
    )


def _gather_vjp(grad, out, src, *, index, input_shape, kernel_size, stride, padding, dilation):
    """d gather(src)/dsrc = 1 added at the gathered positions (a scatter)"""
    from ..tensor import apply

    return apply(
        MAX_POOL2D_SCATTER,
        grad,
        index=index,
        input_shape=input_shape,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )


def flat_indices(index, input_shape, kernel_size, stride, padding, dilation) -> np.ndarray:
    """PyTorch's ``return_indices`` (flat positions in each H*W plane) from saved positions."""
    return kpool.max_pool_flat_index(
        index, input_shape[3], kernel_size[1], *stride, *padding, *dilation
    )


def _avg_pool2d_forward(x, *, kernel_size, stride, padding, out_size, count_include_pad):
    return kpool.avg_pool_forward(
        np.ascontiguousarray(x), *out_size, *kernel_size, *stride, *padding, count_include_pad
    )


def _avg_pool2d_vjp(grad, out, x, *, kernel_size, stride, padding, out_size, count_include_pad):
    """d mean(window)/dx = 1/count for each pixel of the window"""
    from ..tensor import apply

    return apply(
        AVG_POOL2D_BACKWARD,
        grad,
        input_shape=x.shape,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        count_include_pad=count_include_pad,
    )


def _avg_backward_forward(grad, *, input_shape, kernel_size, stride, padding, count_include_pad):
    return kpool.avg_pool_backward(
        np.ascontiguousarray(grad), *input_shape[2:], *kernel_size, *stride, *padding,
        count_include_pad,
    )  # fmt: skip


def _avg_backward_vjp(
    grad, out, g, *, input_shape, kernel_size, stride, padding, count_include_pad
):
    """d avg_pool_backward(g)/dg = avg_pool (the adjoint of a linear map's adjoint)"""
    from ..tensor import apply

    return apply(
        AVG_POOL2D,
        grad,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        out_size=g.shape[2:],
        count_include_pad=count_include_pad,
    )


MAX_POOL2D = defop(
    "max_pool2d", _max_pool2d_forward, (_max_pool2d_vjp,), save_out=True, residual=True
)
MAX_POOL2D_SCATTER = defop("max_pool2d_scatter", _scatter_forward, (_scatter_vjp,))
MAX_POOL2D_GATHER = defop("max_pool2d_gather", _gather_forward, (_gather_vjp,))
AVG_POOL2D = defop("avg_pool2d", _avg_pool2d_forward, (_avg_pool2d_vjp,))
AVG_POOL2D_BACKWARD = defop("avg_pool2d_backward", _avg_backward_forward, (_avg_backward_vjp,))
