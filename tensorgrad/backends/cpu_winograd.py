"""The CPU's 3x3 stride-1 convolutions with many channels, by Winograd's F(2x2, 3x3).

The transforms are ``tensorgrad.kernels.winograd``; each image's 16 GEMMs ``M[k] = U[k] @
V[k]`` are NumPy's one-thread BLAS, image by image (the transforms of one image stay in the L2
cache), each slice of the batch on its own kernel thread in one Numba call (``kw.images``,
the GEMMs as ``np.matmul`` calls them). The same loop in Python, where that call does not
serve, handed the GIL back and forth three times an image: 64 x 32 x 26 x 26 into 64 channels
on a 2-vCPU Zen 4, two threads, 7.1-7.3 ms in Python against 5.9-6.7 in one call. The input
gradient of a stride-1 convolution is itself one, of the output gradient padded by ``2 - p``
on each side with the weights flipped and their channel axes swapped, so it reuses the forward.
Measured on one core of an AVX-512 Xeon, 64 x 32 x 26 x 26 into 64 channels (PyTorch's MNIST
example): the forward 8.7 ms and the input gradient 9.6 against the direct kernels' 14.6 and
14.1 (PyTorch's forward: 8.1). The weight gradient done this way (``A gy A^T`` per tile, 16
GEMMs with V) was no faster than the direct kernel (11.9 vs 11.8 ms), so it stays there; so do
14 x 14 and 7 x 7 planes (the residual LeNet's), where the direct kernels were faster.
"""

import numpy as np

from ..kernels import winograd as kw
from ..kernels.cblas import GEMM
from .batch_threads import ENTERED, batch_slices, run_slices

# Winograd pays where every output reads many channels, into many, over planes with many tiles
# (smaller: the direct kernels were faster, e.g. 3.05 vs 2.78 ms for 24 channels on 14 x 14)
MIN_CHANNELS = 16
MIN_PIXELS = 256


def use_winograd(w_shape, geometry, stride, padding, dilation, groups: int) -> bool:
    """Whether a convolution runs here: 3x3, stride 1, undilated, ungrouped, padding at most 2
    (the input gradient's padding is 2 - p), enough channels both ways and pixels."""
    o, c, kh, kwidth = w_shape
    oh, ow = geometry[-2:]
    return (
        (kh, kwidth) == (3, 3)
        and stride == (1, 1)
        and dilation == (1, 1)
        and groups == 1
        and max(padding) <= 2
        and min(o, c) >= MIN_CHANNELS
        and oh * ow >= MIN_PIXELS
    )


def forward(x, w, bias, padding):
    """The convolution of x (N, C, H, W), zero-padded by ``padding`` (top, bottom, left,
    right), with w (O, C, 3, 3), plus ``bias`` (O,)."""
    n, c, h, width = x.shape
    o = w.shape[0]
    top, bottom, left, right = padding
    oh, ow = h + top + bottom - 2, width + left + right - 2
    th, row = kw.tiles_of(oh, ow)
    plane, tiles = (th + 1) * row, th * row
    u = kw.weight_tiles(w)
    out = np.empty((n, o, oh, ow), dtype=x.dtype)
    slices = batch_slices(n, out.size * c * 9)
    gemm = GEMM.get(x.dtype.str[1:])
    blas = min(o, c, tiles) >= 2  # else np.matmul multiplies otherwise than by GEMM
    if gemm is not None and blas and x.flags.c_contiguous and u.dtype == x.dtype == bias.dtype:
        double = x.dtype == np.float64

        def images(s):
            kw.images(x, s.start, s.stop, top, left, th, row, u, bias, gemm, double, out, ENTERED)

        run_slices(images, slices, announced=True)
        return out

    def run(s):
        parity, pairs, v, m, wide = kw.scratch(x, o, th, row)
        per_entry = v.reshape(16, c, plane)[:, :, :tiles]  # the GEMMs skip the extra tile row
        products = m.reshape(16, o, tiles)
        for i in range(s.start, s.stop):
            kw.input_tiles(x, i, top, left, th, row, parity, pairs, v)
            np.matmul(u, per_entry, out=products)
            kw.output_tiles(m, i, th, row, bias, wide, out)

    run_slices(run, slices)
    return out


def input_grad(g, w, padding):
    """The input gradient of ``forward(x, w, bias, padding)`` from its output gradient g."""
    flipped = np.ascontiguousarray(w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
    no_bias = np.zeros(flipped.shape[0], dtype=g.dtype)
    return forward(g, flipped, no_bias, tuple(2 - p for p in padding))
