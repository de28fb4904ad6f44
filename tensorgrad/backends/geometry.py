"""Output sizes of convolution and pooling windows, shared by every backend."""


def conv_out_size(size: int, k: int, s: int, pad_lo: int, pad_hi: int, d: int) -> int:
    """PyTorch's output length of a convolution along one dim."""
    return (size + pad_lo + pad_hi - d * (k - 1) - 1) // s + 1


def conv_geometry(x_shape, w_shape, stride, padding, dilation):
    _, _, h, w = x_shape
    kh, kw = w_shape[2], w_shape[3]
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, padding, dilation
    oh = conv_out_size(h, kh, sh, pt, pb, dh)
    ow = conv_out_size(w, kw, sw, pl, pr, dw)
    return (kh, kw, sh, sw, pt, pl, dh, dw, oh, ow)
