"""``F.unfold`` / ``F.fold`` and ``nn.Unfold`` / ``nn.Fold``: PyTorch's sliding-window
extraction (im2col) and its adjoint, for (N, C, H, W) images (or unbatched (C, H, W))."""

from ..backends.geometry import conv_out_size
from ..errors import OpError
from ..ops.unfold import FOLD, UNFOLD
from ..tensor import Tensor
from .conv_pool import _pair
from .module import Module


def _geometry(op, size, kernel_size, dilation, padding, stride):
    kh, kw = _pair(kernel_size, "kernel_size", op, 1)
    dh, dw = _pair(dilation, "dilation", op, 1)
    ph, pw = _pair(padding, "padding", op, 0)
    sh, sw = _pair(stride, "stride", op, 1)
    oh = conv_out_size(size[0], kh, sh, ph, ph, dh)
    ow = conv_out_size(size[1], kw, sw, pw, pw, dw)
    if oh < 1 or ow < 1:
        raise OpError(
            f"{op}: kernel {(kh, kw)} with dilation {(dh, dw)} does not fit the padded size "
            f"{(size[0] + 2 * ph, size[1] + 2 * pw)} (padding {(ph, pw)})"
        )
    return (kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Every ``kernel_size`` window of ``input`` (N, C, H, W) as a column: (N, C*kh*kw, L),
    L windows in row-major order, channels slowest (PyTorch's layout)."""
    if input.ndim not in (3, 4):
        raise OpError(f"unfold: expected a 3-D or 4-D input, got shape {input.shape}")
    x = input.unsqueeze(0) if input.ndim == 3 else input
    geometry = _geometry("unfold", x.shape[2:], kernel_size, dilation, padding, stride)
    out = UNFOLD(x, geometry=geometry)
    return out.squeeze(0) if input.ndim == 3 else out


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """Columns (N, C*kh*kw, L) summed back into images (N, C, *output_size): ``unfold``'s
    adjoint (overlapping windows add up)."""
    if input.ndim not in (2, 3):
        raise OpError(f"fold: expected a 2-D or 3-D input, got shape {input.shape}")
    cols = input.unsqueeze(0) if input.ndim == 2 else input
    size = _pair(output_size, "output_size", "fold", 1)
    geometry = _geometry("fold", size, kernel_size, dilation, padding, stride)
    taps, blocks = geometry[0] * geometry[1], geometry[-2] * geometry[-1]
    if cols.shape[1] % taps or cols.shape[2] != blocks:
        raise OpError(
            f"fold: input of shape {tuple(input.shape)} does not fit: dim 1 must be a multiple "
            f"of kh*kw = {taps} and dim 2 the {blocks} blocks of output_size {size}"
        )
    shape = (cols.shape[0], cols.shape[1] // taps, *size)
    out = FOLD(cols, geometry=geometry, shape=shape)
    return out.squeeze(0) if input.ndim == 2 else out


class Unfold(Module):
    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = (
            kernel_size, dilation, padding, stride,
        )  # fmt: skip

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")  # fmt: skip


class Fold(Unfold):
    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)  # fmt: skip

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, " + super().extra_repr()
