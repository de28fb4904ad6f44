"""Op-table rows of ``unfold`` and ``fold`` (issue 13): the references are plain loops over
PyTorch's layout (channel slowest, then kernel row, kernel column; windows row-major)."""

import numpy as np
from hypothesis import strategies as st
from op_table import Row

import tensorgrad as tg
from tensorgrad.testing import arrays

F = tg.nn.functional


def np_unfold(x, kernel_size, dilation, padding, stride):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_size, dilation, padding, stride
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c * kh * kw, oh * ow))
    for ch in range(c):
        for i in range(kh):
            for j in range(kw):
                for y in range(oh):
                    for z in range(ow):
                        row = (ch * kh + i) * kw + j
                        out[:, row, y * ow + z] = xp[:, ch, y * sh + i * dh, z * sw + j * dw]
    return out


def np_fold(cols, output_size, kernel_size, dilation, padding, stride):
    """The adjoint of np_unfold: each column entry added where unfold read it."""
    (kh, kw), (h, w) = kernel_size, output_size
    n, c = cols.shape[0], cols.shape[1] // (kh * kw)
    basis = np.eye(c * h * w).reshape(c * h * w, c, h, w)
    image = np.zeros((n, c * h * w))
    for k in range(c * h * w):  # <fold(cols), e_k> = <cols, unfold(e_k)>
        image[:, k] = (cols * np_unfold(basis[k : k + 1], kernel_size, dilation, padding,
                                        stride)).sum(axis=(1, 2))  # fmt: skip
    return image.reshape(n, c, h, w)


@st.composite
def window_params(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size = tuple(draw(st.integers(d * (k - 1) + 1, 5)) for k, d in zip(kernel, dilation))
    return size, dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)


@st.composite
def unfold_args(draw):
    size, params = draw(window_params())
    x = draw(arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2)), *size)))
    return [x], params


@st.composite
def fold_args(draw):
    size, params = draw(window_params())
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    blocks = np_unfold(np.zeros((1, 1, *size)), **params).shape[2]
    kh, kw = params["kernel_size"]
    cols = draw(arrays((n, c * kh * kw, blocks)))
    return [cols], {**params, "output_size": size}


ROWS = [
    Row("unfold", ("unfold",), F.unfold, np_unfold, unfold_args()),
    Row("fold", ("fold",), F.fold, np_fold, fold_args()),
]
