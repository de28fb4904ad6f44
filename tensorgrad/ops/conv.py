"""2-D convolution as three bilinear ops that are each other's VJPs.

``conv2d(x, w)``, its input gradient ``conv2d_input_grad(g, w)`` (a transposed convolution) and
its weight gradient ``conv2d_weight_grad(x, g)`` (a correlation of input and output gradient)
satisfy ``<conv2d(x, w), g> = <x, input_grad(g, w)> = <w, weight_grad(x, g)>``; every VJP of one
of them is another of them, so derivatives of any order stay inside these three ops.

The arithmetic is im2col (a Numba kernel) followed by one BLAS GEMM per group; with stride 1
that runs on chunks of a few images (see ``_chunks``), otherwise over the whole batch.
``conv2d`` takes the bias as an optional third input and adds it while cropping its output.
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


# Stride 1 (the common case) runs a few images at a time, so that no batch-sized column matrix
# is made in one piece (measured on the 2-core box: inference of 10,000 images 2.2 s -> 0.7-1.0
# s). In training (``keep_columns``) the chunks are kept for the weight gradient: measured
# forward + weight gradient at batch 64, 4.6 -> 3.6 ms per conv against redoing im2col. Chunks
# of 256 KiB to 2 MiB of columns were alike within the noise; bigger means fewer iterations.
_CHUNK_BYTES = 1024 * 1024


def _chunks(n: int, rows: int, length: int, itemsize: int):
    """Slices of the batch whose (rows, images, length) block fits in ``_CHUNK_BYTES``."""
    step = max(1, min(n, _CHUNK_BYTES // (rows * length * itemsize)))
    return [slice(s, min(s + step, n)) for s in range(0, n, step)]


def _wide_forward(x, w, bias, geometry, padding, groups, keep_columns):
    kh, kw, _, _, _, _, dh, dw, oh, ow = geometry
    n, c_out = x.shape[0], w.shape[0]
    xpad = _pad_wide(x, padding)
    wp = xpad.shape[3]
    w2 = w.reshape(groups, c_out // groups, -1)
    out = np.empty((n, c_out, oh, ow), dtype=x.dtype)
    kept = [] if keep_columns else None
    for part in _chunks(n, w[0].size * groups, oh * wp, x.itemsize):
        cols = kconv.im2col_wide(xpad[part], kh, kw, dh, dw, oh)  # (C*kh*kw, m, oh*Wp)
        m = cols.shape[1]
        res = np.matmul(w2, cols.reshape(groups, -1, m * oh * wp))  # one GEMM per group
        kconv.crop_wide(res.reshape(c_out, m, oh, wp), bias, out[part])
        if kept is not None:
            kept.append(cols)
    return out, kept


def _wide_weight_grad(x, g, weight_shape, geometry, padding, groups, columns):
    """``columns``: the forward's chunks of columns for this x (same chunking), or None."""
    kh, kw, _, _, _, _, dh, dw, oh, _ = geometry
    c_out = weight_shape[0]
    xpad = _pad_wide(x, padding) if columns is None else None
    wp = x.shape[3] + padding[2] + padding[3]
    dw_ = np.zeros((groups, c_out // groups, int(np.prod(weight_shape[1:]))), dtype=x.dtype)
    parts = _chunks(x.shape[0], x.shape[1] * kh * kw, oh * wp, x.itemsize)
    for k, part in enumerate(parts):
        if columns is None:
            cols = kconv.im2col_wide(xpad[part], kh, kw, dh, dw, oh)
        else:
            cols = columns[k]
        m = cols.shape[1]
        rows = kconv.widen(g[part], wp).reshape(groups, -1, m * oh * wp)
        # BLAS reads the transposed columns in place
        dw_ += np.matmul(rows, cols.reshape(groups, -1, m * oh * wp).transpose(0, 2, 1))
    return dw_.reshape(weight_shape)


def _wide_input_grad(g, w, input_shape, geometry, padding, groups):
    kh, kw, _, _, pt, pl, dh, dw, oh, _ = geometry
    n, c_in, h, wd = input_shape
    c_out = w.shape[0]
    wp = wd + padding[2] + padding[3]
    w2 = w.reshape(groups, c_out // groups, -1).transpose(0, 2, 1)
    dx = np.empty(input_shape, dtype=g.dtype)
    for part in _chunks(n, w[0].size * groups, oh * wp, g.itemsize):
        rows = kconv.widen(g[part], wp)
        m = rows.shape[1]
        cols = np.matmul(w2, rows.reshape(groups, -1, m * oh * wp)).reshape(-1, m, oh * wp)
        kconv.col2im_wide(cols, dx[part], kh, kw, dh, dw, oh, wp, pt, pl)
    return dx


def _grad_rows(g: np.ndarray, groups: int) -> np.ndarray:
    """An output gradient (N, C_out, oh, ow) as GEMM rows (G, C_out/G, N*oh*ow)."""
    c_out = g.shape[1]
    return np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(groups, c_out // groups, -1)


def _conv2d_forward(x, w, *bias, stride, padding, dilation, groups, keep_columns=False):
    """``keep_columns``: return the stride-1 columns as the residual, for the weight gradient."""
    geometry = _geometry(x.shape, w.shape, stride, padding, dilation)
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    b = bias[0] if bias else np.zeros(w.shape[0], dtype=x.dtype)
    if stride == (1, 1):
        return _wide_forward(x, w, b, geometry, padding, groups, keep_columns)
    oh, ow = geometry[-2:]
    n, c_out = x.shape[0], w.shape[0]
    cols = kconv.im2col(x, *geometry)
    w2 = w.reshape(groups, c_out // groups, -1)
    out = np.empty((n, c_out, oh, ow), dtype=x.dtype)
    res = np.matmul(w2, cols.reshape(groups, -1, n * oh * ow))  # one GEMM per group
    return kconv.crop_wide(res.reshape(c_out, n, oh, ow), b, out), None


def _conv2d_input_grad_forward(g, w, *, input_shape, stride, padding, dilation, groups):
    geometry = _geometry(input_shape, w.shape, stride, padding, dilation)
    g, w = np.ascontiguousarray(g), np.ascontiguousarray(w)
    if stride == (1, 1):
        return _wide_input_grad(g, w, tuple(input_shape), geometry, padding, groups)
    n, c_in, h, wd = input_shape
    c_out = w.shape[0]
    oh, ow = geometry[-2:]
    w2 = w.reshape(groups, c_out // groups, -1).transpose(0, 2, 1)
    cols = np.matmul(w2, _grad_rows(g, groups)).reshape(-1, n, oh * ow)
    return kconv.col2im(cols, c_in, h, wd, *geometry)


def _conv2d_weight_grad_forward(
    x, g, *, weight_shape, stride, padding, dilation, groups, columns=None
):
    """``columns``: the forward's kept columns of this x (see ``conv2d``), to skip im2col."""
    geometry = _geometry(x.shape, weight_shape, stride, padding, dilation)
    x, g = np.ascontiguousarray(x), np.ascontiguousarray(g)
    if stride == (1, 1):
        return _wide_weight_grad(x, g, tuple(weight_shape), geometry, padding, groups, columns)
    cols = kconv.im2col(x, *geometry)
    cols = cols.reshape(groups, -1, cols.shape[1] * cols.shape[2])
    # one GEMM per group over the whole batch; BLAS reads the transposed columns in place
    return np.matmul(_grad_rows(g, groups), cols.transpose(0, 2, 1)).reshape(weight_shape)


# -- VJPs: each one is another of the three ops (the bias's is a sum) -------------------------
# conv2d's VJPs get ``(*bias, columns)`` after x and w: the optional bias, then the residual
def _conv2d_vjp_input(grad, out, x, w, *rest, keep_columns=False, **params):
    """d <conv2d(x, w), g>/dx = conv_transpose2d(g, w)"""
    from ..tensor import apply

    return apply(CONV2D_INPUT_GRAD, grad, w, input_shape=x.shape, **params)


def _conv2d_vjp_weight(grad, out, x, w, *rest, keep_columns=False, **params):
    """d <conv2d(x, w), g>/dw = correlate(x, g)"""
    from ..tensor import apply

    return apply(CONV2D_WEIGHT_GRAD, x, grad, weight_shape=w.shape, columns=rest[-1], **params)


def _conv2d_vjp_bias(grad, out, x, w, b, columns, **params):
    """d <conv2d(x, w) + b, g>/db = sum of g over the batch and spatial dims"""
    return grad.sum((0, 2, 3))


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


# conv2d(x, w[, b]): the bias (C_out,) is optional and added in the same pass as the crop;
# residual: the stride-1 columns when keep_columns (training), else None
CONV2D = defop(
    "conv2d",
    _conv2d_forward,
    (_conv2d_vjp_input, _conv2d_vjp_weight, _conv2d_vjp_bias),
    residual=True,
)
CONV2D_INPUT_GRAD = defop(
    "conv2d_input_grad", _conv2d_input_grad_forward, (_input_grad_vjp_g, _input_grad_vjp_w)
)
CONV2D_WEIGHT_GRAD = defop(
    "conv2d_weight_grad", _conv2d_weight_grad_forward, (_weight_grad_vjp_x, _weight_grad_vjp_g)
)
