"""2-D convolution as three bilinear ops that are each other's VJPs.

``conv2d(x, w)``, its input gradient ``conv2d_input_grad(g, w)`` (a transposed convolution) and
its weight gradient ``conv2d_weight_grad(x, g)`` (a correlation of input and output gradient)
satisfy ``<conv2d(x, w), g> = <x, input_grad(g, w)> = <w, weight_grad(x, g)>``; every VJP of one
of them is another of them, so derivatives of any order stay inside these three ops.

The arithmetic is im2col (a Numba kernel) followed by one BLAS GEMM per group. Parameters
arrive normalised by ``tensorgrad.nn.conv_pool``: ``stride=(sh, sw)``,
``padding=(top, bottom, left, right)``, ``dilation=(dh, dw)``, ``groups``; no validation here.
"""

import numpy as np

from ..kernels import conv as kconv
from .registry import defop


def conv_out_size(size: int, k: int, s: int, pad_lo: int, pad_hi: int, d: int) -> int:
    """PyTorch's output length of a convolution along one dim."""
    return (size + pad_lo + pad_hi - d * (k - 1) - 1) // s + 1


def _geometry(x_shape, w_shape, stride, padding, dilation):
    _, _, h, w = x_shape
    kh, kw = w_shape[2], w_shape[3]
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, padding, dilation
    oh = conv_out_size(h, kh, sh, pt, pb, dh)
    ow = conv_out_size(w, kw, sw, pl, pr, dw)
    return (kh, kw, sh, sw, pt, pl, dh, dw, oh, ow)


def _unfold(x: np.ndarray, geometry) -> np.ndarray:
    return kconv.im2col(np.ascontiguousarray(x), *geometry)


def _conv2d_forward(x, w, *, stride, padding, dilation, groups):
    geometry = _geometry(x.shape, w.shape, stride, padding, dilation)
    oh, ow = geometry[-2:]
    n, c_out = x.shape[0], w.shape[0]
    cols = _unfold(x, geometry).reshape(n, groups, -1, oh * ow)
    w2 = np.ascontiguousarray(w).reshape(groups, c_out // groups, -1)
    return np.matmul(w2, cols).reshape(n, c_out, oh, ow)


def _conv2d_input_grad_forward(g, w, *, input_shape, stride, padding, dilation, groups):
    geometry = _geometry(input_shape, w.shape, stride, padding, dilation)
    n, c_in, h, wd = input_shape
    c_out = w.shape[0]
    oh, ow = geometry[-2:]
    w2 = np.ascontiguousarray(w).reshape(groups, c_out // groups, -1)
    g2 = np.ascontiguousarray(g).reshape(n, groups, c_out // groups, oh * ow)
    cols = np.matmul(w2.transpose(0, 2, 1), g2).reshape(n, -1, oh * ow)
    return kconv.col2im(cols, c_in, h, wd, *geometry)


def _conv2d_weight_grad_forward(x, g, *, weight_shape, stride, padding, dilation, groups):
    geometry = _geometry(x.shape, weight_shape, stride, padding, dilation)
    oh, ow = geometry[-2:]
    n, c_out = x.shape[0], weight_shape[0]
    cols = _unfold(x, geometry).reshape(n, groups, -1, oh * ow)
    g2 = np.ascontiguousarray(g).reshape(n, groups, c_out // groups, oh * ow)
    out = np.empty((groups, c_out // groups, cols.shape[2]), dtype=x.dtype)
    for k in range(groups):  # one GEMM over the whole batch: (Og, N*P) @ (N*P, K)
        out[k] = np.tensordot(g2[:, k], cols[:, k], axes=([0, 2], [0, 2]))
    return out.reshape(weight_shape)


# -- VJPs: each one is another of the three ops ----------------------------------------------
def _conv2d_vjp_input(grad, out, x, w, **params):
    """d <conv2d(x, w), g>/dx = conv_transpose2d(g, w)"""
    from ..tensor import apply

    return apply(CONV2D_INPUT_GRAD, grad, w, input_shape=x.shape, **params)


def _conv2d_vjp_weight(grad, out, x, w, **params):
    """d <conv2d(x, w), g>/dw = correlate(x, g)"""
    from ..tensor import apply

    return apply(CONV2D_WEIGHT_GRAD, x, grad, weight_shape=w.shape, **params)


def _input_grad_vjp_g(grad, out, g, w, *, input_shape, **params):
    """d <conv_transpose2d(g, w), u>/dg = conv2d(u, w)"""
    from ..tensor import apply

    return apply(CONV2D, grad, w, **params)


def _input_grad_vjp_w(grad, out, g, w, *, input_shape, **params):
    """d <conv_transpose2d(g, w), u>/dw = correlate(u, g)"""
    from ..tensor import apply

    return apply(CONV2D_WEIGHT_GRAD, grad, g, weight_shape=w.shape, **params)


def _weight_grad_vjp_x(grad, out, x, g, *, weight_shape, **params):
    """d <correlate(x, g), u>/dx = conv_transpose2d(g, u)"""
    from ..tensor import apply

    return apply(CONV2D_INPUT_GRAD, g, grad, input_shape=x.shape, **params)


def _weight_grad_vjp_g(grad, out, x, g, *, weight_shape, **params):
    """d <correlate(x, g), u>/dg = conv2d(x, u)"""
    from ..tensor import apply

    return apply(CONV2D, x, grad, **params)


CONV2D = defop("conv2d", _conv2d_forward, (_conv2d_vjp_input, _conv2d_vjp_weight))
CONV2D_INPUT_GRAD = defop(
    "conv2d_input_grad", _conv2d_input_grad_forward, (_input_grad_vjp_g, _input_grad_vjp_w)
)
CONV2D_WEIGHT_GRAD = defop(
    "conv2d_weight_grad", _conv2d_weight_grad_forward, (_weight_grad_vjp_x, _weight_grad_vjp_g)
)
