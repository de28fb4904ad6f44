"""2-D convolution as three bilinear ops that are each other's VJPs.

``conv2d(x, w)``, its input gradient ``conv2d_input_grad(g, w)`` (a transposed convolution) and
its weight gradient ``conv2d_weight_grad(x, g)`` (a correlation of input and output gradient)
satisfy ``<conv2d(x, w), g> = <x, input_grad(g, w)> = <w, weight_grad(x, g)>``; every VJP of one
of them is another of them, so derivatives of any order stay inside these three ops.

The arithmetic is im2col (a Numba kernel) followed by one BLAS GEMM per group over the batch;
``conv2d`` keeps its columns as a residual so that the weight gradient does not redo im2col.
Parameters arrive normalised by ``tensorgrad.nn.conv_pool``: ``stride=(sh, sw)``,
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


def _pad_wide(x: np.ndarray, padding) -> np.ndarray:
    """x zero-padded to (N, C, Hp + 1, Wp): one spare row keeps wide reads inside the plane."""
    pt, pb, pl, pr = padding
    n, c, h, w = x.shape
    xpad = np.zeros((n, c, h + pt + pb + 1, w + pl + pr), dtype=x.dtype)
    xpad[:, :, pt : pt + h, pl : pl + w] = x
    return xpad


def _columns(x: np.ndarray, geometry, padding) -> tuple[np.ndarray, int]:
    """im2col of x as (C*kh*kw, N, L) and the row width of its output grid (Wp or ow).

    Stride 1 uses wide columns (``L = oh * Wp``, the columns x >= ow are garbage) made by one
    contiguous copy per (channel, tap); other strides use exact columns (``L = oh * ow``).
    """
    kh, kw, sh, sw, pt, pl, dh, dw, oh, ow = geometry
    if sh == sw == 1:
        xpad = _pad_wide(x, padding)
        return kconv.im2col_wide(xpad, kh, kw, dh, dw, oh), xpad.shape[3]
    return kconv.im2col(np.ascontiguousarray(x), *geometry), ow


def _grad_rows(g: np.ndarray, groups: int, width: int) -> np.ndarray:
    """An output gradient (N, C_out, oh, ow) as GEMM rows (G, C_out/G, N*oh*width): channels
    first, the batch inside each row, zero in the garbage columns of a wide grid."""
    n, c_out, oh, ow = g.shape
    if width == ow:
        rows = np.ascontiguousarray(g.transpose(1, 0, 2, 3))
    else:
        rows = np.zeros((c_out, n, oh, width), dtype=g.dtype)
        rows[..., :ow] = g.transpose(1, 0, 2, 3)
    return rows.reshape(groups, c_out // groups, -1)


def _conv2d_forward(x, w, *, stride, padding, dilation, groups):
    geometry = _geometry(x.shape, w.shape, stride, padding, dilation)
    oh, ow = geometry[-2:]
    n, c_out = x.shape[0], w.shape[0]
    cols, width = _columns(x, geometry, padding)
    w2 = np.ascontiguousarray(w).reshape(groups, c_out // groups, -1)
    out = np.matmul(w2, cols.reshape(groups, -1, n * oh * width))  # one GEMM per group
    out = out.reshape(c_out, n, oh, width)[..., :ow].transpose(1, 0, 2, 3)
    return np.ascontiguousarray(out), (cols, width)  # the weight gradient reuses the columns


def _conv2d_input_grad_forward(g, w, *, input_shape, stride, padding, dilation, groups):
    geometry = _geometry(input_shape, w.shape, stride, padding, dilation)
    n, c_in, h, wd = input_shape
    c_out = w.shape[0]
    kh, kw, sh, sw, pt, pl, dh, dw, oh, ow = geometry
    w2 = np.ascontiguousarray(w).reshape(groups, c_out // groups, -1).transpose(0, 2, 1)
    if sh == sw == 1:
        hp, wp = h + padding[0] + padding[1], wd + padding[2] + padding[3]
        cols = np.matmul(w2, _grad_rows(g, groups, wp)).reshape(-1, n, oh * wp)
        xpad = kconv.col2im_wide(cols, c_in, hp, wp, kh, kw, dh, dw, oh)
        return np.ascontiguousarray(xpad[:, :, pt : pt + h, pl : pl + wd])
    cols = np.matmul(w2, _grad_rows(g, groups, ow)).reshape(-1, n, oh * ow)
    return kconv.col2im(cols, c_in, h, wd, *geometry)


def _conv2d_weight_grad_forward(
    x, g, *, weight_shape, stride, padding, dilation, groups, columns=None
):
    """``columns``: the forward's ``(cols, width)`` for this x, to skip recomputing them."""
    geometry = _geometry(x.shape, weight_shape, stride, padding, dilation)
    cols, width = columns if columns is not None else _columns(x, geometry, padding)
    cols = cols.reshape(groups, -1, cols.shape[1] * cols.shape[2])
    # one GEMM per group over the whole batch; BLAS reads the transposed columns in place
    return np.matmul(_grad_rows(g, groups, width), cols.transpose(0, 2, 1)).reshape(weight_shape)


# -- VJPs: each one is another of the three ops ----------------------------------------------
def _conv2d_vjp_input(grad, out, x, w, columns, **params):
    """d <conv2d(x, w), g>/dx = conv_transpose2d(g, w)"""
    from ..tensor import apply

    return apply(CONV2D_INPUT_GRAD, grad, w, input_shape=x.shape, **params)


def _conv2d_vjp_weight(grad, out, x, w, columns, **params):
    """d <conv2d(x, w), g>/dw = correlate(x, g)"""
    from ..tensor import apply

    return apply(CONV2D_WEIGHT_GRAD, x, grad, weight_shape=w.shape, columns=columns, **params)


def _input_grad_vjp_g(grad, out, g, w, *, input_shape, **params):
    """d <conv_transpose2d(g, w), u>/dg = conv2d(u, w)"""
    from ..tensor import apply

    return apply(CONV2D, grad, w, **params)


def _input_grad_vjp_w(grad, out, g, w, *, input_shape, **params):
    """d <conv_transpose2d(g, w), u>/dw = correlate(u, g)"""
    from ..tensor import apply

    return apply(CONV2D_WEIGHT_GRAD, grad, g, weight_shape=w.shape, **params)


def _weight_grad_vjp_x(grad, out, x, g, *, weight_shape, columns=None, **params):
    """d <correlate(x, g), u>/dx = conv_transpose2d(g, u)"""
    from ..tensor import apply

    return apply(CONV2D_INPUT_GRAD, g, grad, input_shape=x.shape, **params)


def _weight_grad_vjp_g(grad, out, x, g, *, weight_shape, columns=None, **params):
    """d <correlate(x, g), u>/dg = conv2d(x, u)"""
    from ..tensor import apply

    return apply(CONV2D, x, grad, **params)


CONV2D = defop("conv2d", _conv2d_forward, (_conv2d_vjp_input, _conv2d_vjp_weight), residual=True)
CONV2D_INPUT_GRAD = defop(
    "conv2d_input_grad", _conv2d_input_grad_forward, (_input_grad_vjp_g, _input_grad_vjp_w)
)
CONV2D_WEIGHT_GRAD = defop(
    "conv2d_weight_grad", _conv2d_weight_grad_forward, (_weight_grad_vjp_x, _weight_grad_vjp_g)
)
