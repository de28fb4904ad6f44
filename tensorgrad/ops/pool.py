"""Max and average pooling, each with a backward that is an op itself (so double backward works).

max pooling: ``max_pool2d`` saves the position of each window's maximum (a residual);
``max_pool2d_scatter`` (its backward) adds gradients at those positions and
``max_pool2d_gather`` (the scatter's adjoint) reads them back. Both are linear in their input,
so they are each other's VJPs. ``relu=True`` fuses a ReLU into the max (``max(0, max(window))``
is ``relu(max_pool(x))`` in one pass, on the smaller output).

average pooling: ``avg_pool2d`` and ``avg_pool2d_backward`` are a linear map and its adjoint.

The arithmetic is the backend's (``tensorgrad.backends``). Parameters arrive normalised by
``tensorgrad.nn.conv_pool``: ``kernel_size=(kh, kw)``, ``stride``, ``padding``, ``dilation``
pairs and ``out_size=(oh, ow)``; no validation here.
"""

from ..backends import backend_of
from .registry import defop


def _max_pool2d_forward(x, **params):
    return backend_of(x).max_pool2d(x, **params)


def _scatter_forward(grad, **params):
    return backend_of(grad).max_pool2d_scatter(grad, **params)


def _gather_forward(src, **params):
    return backend_of(src).max_pool2d_gather(src, **params)


def _avg_pool2d_forward(x, **params):
    return backend_of(x).avg_pool2d(x, **params)


def _avg_backward_forward(grad, **params):
    return backend_of(grad).avg_pool2d_backward(grad, **params)


def flat_indices(index, input_shape, kernel_size, stride, padding, dilation):
    """PyTorch's ``return_indices`` (flat positions in each H*W plane) from saved positions."""
    return backend_of(index).max_pool2d_flat_index(
        index, input_shape=input_shape, kernel_size=kernel_size, stride=stride,
        padding=padding, dilation=dilation,
    )  # fmt: skip


def _window_params(params: dict) -> dict:
    return {k: params[k] for k in ("kernel_size", "stride", "padding", "dilation")}


def _max_pool2d_vjp(grad, out, x, index, *, relu, **params):
    """d max(window)/dx = 1 at the window's maximum (the first of equal ones, or the last NaN),
    0 elsewhere (times [out > 0] with the fused ReLU: windows with out <= 0 get position -1,
    nowhere, for the scatter; a NaN passes, as PyTorch's relu backward lets it)"""
    if relu:  # index | -1 is -1: NumPy's where with a scalar runs no vector loop (4-10x slower)
        index = index | -(out.data <= 0).astype(index.dtype)
    return MAX_POOL2D_SCATTER(grad, index=index, input_shape=x.shape, **_window_params(params))


def _scatter_vjp(grad, out, src, *, index, **params):
    """d scatter(src)/dsrc = 1 read back at the scattered positions (a gather)"""
    return MAX_POOL2D_GATHER(grad, index=index, **params)


def _gather_vjp(grad, out, src, *, index, **params):
    """d gather(src)/dsrc = 1 added at the gathered positions (a scatter)"""
    return MAX_POOL2D_SCATTER(grad, index=index, **params)


def _avg_pool2d_vjp(grad, out, x, *, out_size, **params):
    """d mean(window)/dx = 1/count for each pixel of the window"""
    return AVG_POOL2D_BACKWARD(grad, input_shape=x.shape, **params)


def _avg_backward_vjp(grad, out, g, *, input_shape, **params):
    """d avg_pool_backward(g)/dg = avg_pool (the adjoint of a linear map's adjoint)"""
    return AVG_POOL2D(grad, out_size=g.shape[2:], **params)


MAX_POOL2D = defop(
    "max_pool2d", _max_pool2d_forward, (_max_pool2d_vjp,), save_out=True, residual=True
)
MAX_POOL2D_SCATTER = defop("max_pool2d_scatter", _scatter_forward, (_scatter_vjp,))
MAX_POOL2D_GATHER = defop("max_pool2d_gather", _gather_forward, (_gather_vjp,))
AVG_POOL2D = defop("avg_pool2d", _avg_pool2d_forward, (_avg_pool2d_vjp,))
AVG_POOL2D_BACKWARD = defop("avg_pool2d_backward", _avg_backward_forward, (_avg_backward_vjp,))
