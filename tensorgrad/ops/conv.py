"""2-D convolution as three bilinear ops that are each other's VJPs.

``conv2d(x, w)``, its input gradient ``conv2d_input_grad(g, w)`` (a transposed convolution) and
its weight gradient ``conv2d_weight_grad(x, g)`` (a correlation of input and output gradient)
satisfy ``<conv2d(x, w), g> = <x, input_grad(g, w)> = <w, weight_grad(x, g)>``; every VJP of one
of them is another of them, so derivatives of any order stay inside these three ops.

The arithmetic is the backend's (``tensorgrad.backends``: direct Numba kernels on the CPU,
im2col and a matmul on other devices). ``conv2d`` takes the bias as an optional third input.
Parameters arrive normalised by ``tensorgrad.nn.conv_pool``: ``stride=(sh, sw)``,
``padding=(top, bottom, left, right)``, ``dilation=(dh, dw)``, ``groups``; no validation here.
The residual of ``conv2d`` is backend-specific (the CPU keeps its padded input for the weight
gradient when ``keep_padded``) and is handed back to the backend's weight gradient as ``padded``.
"""

from ..backends import backend_of
from ..backends.geometry import conv_out_size  # noqa: F401  (re-exported for the nn layer)
from .registry import defop, is_grad_enabled


def _conv2d_forward(x, w, *bias, **params):
    return backend_of(x).conv2d(x, w, *bias, **params)


def _input_grad_forward(g, w, **params):
    return backend_of(g).conv2d_input_grad(g, w, **params)


def _weight_grad_forward(x, g, **params):
    return backend_of(x).conv2d_weight_grad(x, g, **params)


# conv2d's VJPs get ``(*bias, padded)`` after x and w: the optional bias, then the residual
def _conv2d_vjp_input(grad, out, x, w, *rest, keep_padded=False, **params):
    """d <conv2d(x, w), g>/dx = conv_transpose2d(g, w)"""
    return CONV2D_INPUT_GRAD(grad, w, input_shape=x.shape, **params)


def _conv2d_vjp_weight(grad, out, x, w, *rest, keep_padded=False, **params):
    """d <conv2d(x, w), g>/dw = correlate(x, g)"""
    return CONV2D_WEIGHT_GRAD(x, grad, weight_shape=w.shape, padded=rest[-1], **params)


def _conv2d_vjp_bias(grad, out, x, w, b, padded, **params):
    """d <conv2d(x, w) + b, g>/db = sum of g over the batch and spatial dims"""
    if is_grad_enabled():
        return grad.sum((0, 2, 3))
    # unrecorded: einsum reads the strided channels 3x faster than a sum over (0, 2, 3)
    return backend_of(grad.data).xp.einsum("nchw->c", grad.data)


def _input_grad_vjp_g(grad, out, g, w, *, input_shape, **params):
    """d <conv_transpose2d(g, w), u>/dg = conv2d(u, w)"""
    return CONV2D(grad, w, **params)


def _input_grad_vjp_w(grad, out, g, w, *, input_shape, **params):
    """d <conv_transpose2d(g, w), u>/dw = correlate(u, g)"""
    return CONV2D_WEIGHT_GRAD(grad, g, weight_shape=w.shape, **params)


def _weight_grad_vjp_x(grad, out, x, g, *, weight_shape, padded=None, **params):
    """d <correlate(x, g), u>/dx = conv_transpose2d(g, u)"""
    return CONV2D_INPUT_GRAD(g, grad, input_shape=x.shape, **params)


def _weight_grad_vjp_g(grad, out, x, g, *, weight_shape, padded=None, **params):
    """d <correlate(x, g), u>/dg = conv2d(x, u)"""
    return CONV2D(x, grad, **params)


# conv2d(x, w[, b]): the bias (C_out,) is optional and added in the same pass as the crop;
# residual: the backend's (the CPU's padded input when keep_padded, else None)
CONV2D = defop(
    "conv2d",
    _conv2d_forward,
    (_conv2d_vjp_input, _conv2d_vjp_weight, _conv2d_vjp_bias),
    residual=True,
)
CONV2D_INPUT_GRAD = defop(
    "conv2d_input_grad", _input_grad_forward, (_input_grad_vjp_g, _input_grad_vjp_w)
)
CONV2D_WEIGHT_GRAD = defop(
    "conv2d_weight_grad", _weight_grad_forward, (_weight_grad_vjp_x, _weight_grad_vjp_g)
)
