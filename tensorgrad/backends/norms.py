"""Batch and layer normalisation's arithmetic for any array module (the CPU has fused kernels
instead).

``batch_norm_forward`` gives the output and the per-channel statistics; the backward needs
two per-channel sums, ``sum g`` and ``sum g * (x - mean)`` (``batch_norm_sums``), from which
the weight and bias gradients follow and the input gradient is ``dx = g * a + (x - mean) *
b + c`` with per-channel coefficients (``input_grad_coefficients``). Channels are dim 1; the
statistics run over every other dim. A backend may give the statistics in float64 (the CPU
does); they are (C,) arrays either way.

Layer normalisation runs over the rows of an (N, D) array (the op flattens the normalised dims
into D): ``layer_norm_forward`` and ``layer_norm_input_grad``.
"""

import numpy as np


def _per_channel(xp, *arrays):
    """Sum over every dim but 1 (of the product, for two arrays) as a (C,) array; einsum needs
    no temporary and reads strided channels faster than a sum over several axes."""
    letters = "abcdefghijklmnop"[: arrays[0].ndim]
    return xp.einsum(",".join([letters] * len(arrays)) + "->b", *arrays)


def _channel_shape(x) -> tuple:
    return (1, -1) + (1,) * (x.ndim - 2)


def batch_norm_forward(xp, x, *affine, eps):
    """``(out, mean, invstd, var)``: ``out = (x - mean) * invstd [* w + b]``, the biased
    variance, all (C,) arrays of x's dtype."""
    count = x.size // x.shape[1]
    mean = (_per_channel(xp, x) / count).astype(x.dtype, copy=False)
    xhat = x - mean.reshape(_channel_shape(x))
    var = (_per_channel(xp, xhat, xhat) / count).astype(x.dtype, copy=False)
    invstd = (1.0 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat *= invstd.reshape(_channel_shape(x))
    if affine:
        weight, bias = affine
        xhat *= weight.reshape(_channel_shape(x))
        xhat += bias.reshape(_channel_shape(x))
    return xhat, mean, invstd, var


def batch_norm_sums(xp, g, x, mean):
    """``(sum g, sum g * (x - mean))`` per channel, float64 (C,) arrays."""
    centred = x - mean.astype(x.dtype).reshape(_channel_shape(x))
    return (
        _per_channel(xp, g).astype(xp.float64),
        _per_channel(xp, g, centred).astype(xp.float64),
    )


def input_grad_coefficients(sums, count, invstd, scale):
    """(a, b, c) of ``dx = g * a + (x - mean) * b + c``, the gradient of ``(x - mean) *
    invstd * scale`` through the batch statistics, ``a * (g - mean(g) - xhat * mean(g *
    xhat))`` with a = scale * invstd (float64, any array module)."""
    sum_g, sum_gc = sums
    invstd64 = invstd.astype(sum_g.dtype)
    a = scale.astype(sum_g.dtype) * invstd64
    return a, -a * invstd64 * invstd64 * (sum_gc / count), -a * (sum_g / count)


def batch_norm_input_grad(xp, g, x, mean, coefficients):
    """``g * a + (x - mean) * b + c`` with the per-channel (a, b, c), in g's dtype."""
    shape = _channel_shape(x)
    a, b, c = (k.astype(g.dtype).reshape(shape) for k in coefficients)
    dx = x - mean.astype(x.dtype).reshape(shape)
    dx *= b
    dx += g * a
    dx += c
    return dx


def batch_norm_eval(xp, x, mean, scale, shift):
    """``(x - mean) * scale + shift`` with per-channel (C,) arrays of x's dtype."""
    shape = _channel_shape(x)
    out = x - mean.reshape(shape)
    out *= scale.reshape(shape)
    out += shift.reshape(shape)
    return out


def _row_mean(xp, a, b=None):
    """The mean of each row of ``a`` (of ``a * b``) as an (N, 1) array of ``a``'s dtype: the sum
    in float64 (a float32 product is exact there), rounded once. The CPU's kernels
    (``kernels.layer_norm``) sum in another order and round to the same numbers."""
    a64 = a.astype(np.float64, copy=False)
    if b is None:
        total = a64.sum(-1)
    else:
        total = xp.einsum("ij,ij->i", a64, b.astype(np.float64, copy=False))
    return (total / a.shape[1]).astype(a.dtype).reshape(-1, 1)


def layer_norm_forward(xp, x, weight, bias, eps):
    """``(out, xhat, invstd)`` over the rows of ``x`` (N, D): ``xhat = (x - mean) * invstd``
    with the biased variance, ``out = xhat * weight + bias`` ((D,) each), or ``xhat`` itself
    without a weight; ``invstd`` (N, 1)."""
    xhat = x - _row_mean(xp, x)
    var = _row_mean(xp, xhat, xhat)
    invstd = x.dtype.type(1.0) / xp.sqrt(var + x.dtype.type(eps))
    xhat *= invstd
    if weight is None:
        return xhat, xhat, invstd
    out = xhat * weight
    out += bias
    return out, xhat, invstd


def layer_norm_input_grad(xp, grad, weight, xhat, invstd):
    """``invstd * (gw - mean(gw) - xhat * mean(gw * xhat))`` over the rows, ``gw = grad *
    weight`` (``grad`` without a weight)."""
    gw = grad if weight is None else grad * weight
    dx = xhat * _row_mean(xp, gw, xhat)
    dx += _row_mean(xp, gw)
    xp.subtract(gw, dx, out=dx)
    dx *= invstd
    return dx
