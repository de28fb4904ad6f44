"""``unfold`` (im2col: every sliding window as a column) and ``fold`` (its adjoint: columns
summed back into an image), each other's VJPs, on any device.

Both reuse the array-module windows of ``backends.array_windows`` (a tap-by-tap slice of the
padded input per kernel position). Parameters arrive normalised by ``nn.fold``:
``geometry=(kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)`` and, for fold, the image's ``shape``.
"""

from ..backends import array_module
from ..backends.array_windows import add_windows, windows
from .registry import defop


def _unfold_forward(x, *, geometry):
    n, c = x.shape[:2]
    return windows(array_module(x), x, geometry).reshape(n, c * geometry[0] * geometry[1], -1)


def _unfold_vjp(grad, out, x, *, geometry):
    """d unfold(x)/dx . g = fold(g): every column entry added back where it was read"""
    return FOLD(grad, geometry=geometry, shape=x.shape)


def _fold_forward(cols, *, geometry, shape):
    kh, kw, *_, oh, ow = geometry
    n, c = shape[:2]
    return add_windows(array_module(cols), cols.reshape(n, c, kh * kw, oh, ow), shape, geometry)


def _fold_vjp(grad, out, cols, *, geometry, shape):
    """d fold(c)/dc . g = unfold(g): fold's adjoint reads each window back"""
    return UNFOLD(grad, geometry=geometry)


UNFOLD = defop("unfold", _unfold_forward, (_unfold_vjp,))
FOLD = defop("fold", _fold_forward, (_fold_vjp,))
