"""``F.conv1d`` and ``nn.Conv1d``: a 1-D convolution is a 2-D one over a unit height, so it is
``conv2d`` (its kernels and its three adjoint ops) on (N, C, 1, L)."""

import numpy as np

from ..errors import OpError
from ..tensor import Tensor
from .conv_pool import conv2d
from .layers import Conv2d, _empty
from .module import Module
from .padding import pad as pad_modes

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _single(value, name: str, minimum: int) -> int:
    """An int or a 1-tuple of one, at least ``minimum``."""
    if isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int | np.integer) or isinstance(value, bool):
        raise TypeError(f"conv1d: {name} must be an int or a 1-tuple of an int, got {value!r}")
    if value < minimum:
        raise OpError(f"conv1d: {name} must be >= {minimum}, got {value!r}")
    return int(value)


def conv1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation of ``input`` (N, C_in, L) or (C_in, L) with ``weight``
    (C_out, C_in / groups, k), plus ``bias`` (C_out,) if given; ``padding`` an int,
    ``'valid'`` or ``'same'``, as ``conv2d``'s."""
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        shape = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise OpError(f"conv1d: input must be (N, C_in, L) or (C_in, L), got shape {shape}")
    if not isinstance(weight, Tensor) or weight.ndim != 3:
        shape = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise OpError(f"conv1d: weight must be (C_out, C_in/groups, k), got shape {shape}")
    if not isinstance(padding, str):
        padding = (0, _single(padding, "padding", 0))
    stride, dilation = _single(stride, "stride", 1), _single(dilation, "dilation", 1)
    try:
        out = conv2d(
            input.unsqueeze(-2), weight.unsqueeze(2), bias, (1, stride), padding, (1, dilation),
            groups,
        )  # fmt: skip
    except OpError as error:  # name the 1-D call and its shapes, not the 2-D one underneath
        raise OpError(
            f"conv1d (input {tuple(input.shape)}, weight {tuple(weight.shape)}, as a conv2d "
            f"over a unit height): {error}"
        ) from None
    return out.squeeze(-2)


class Conv1d(Module):
    """1-D convolution over (N, C, L) input; weight (out_channels, in_channels / groups, k),
    bias (out_channels,), PyTorch's arguments and initialisation; ``padding_mode`` zeros,
    reflect, replicate or circular."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype=None,
    ) -> None:
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"Conv1d: in_channels {in_channels} and out_channels {out_channels} must both "
                f"be divisible by groups {groups}"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"Conv1d: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = (_single(kernel_size, "kernel_size", 1),)
        self.stride = (_single(stride, "stride", 1),)
        self.padding = padding if isinstance(padding, str) else (_single(padding, "padding", 0),)
        self.dilation = (_single(dilation, "dilation", 1),)
        self.padding_mode = padding_mode
        self.weight = _empty((out_channels, in_channels // groups, *self.kernel_size), dtype)
        if bias:
            self.bias = _empty((out_channels,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    reset_parameters = Conv2d.reset_parameters  # fan-in of the weight tensor, as PyTorch

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        padding = self.padding
        if self.padding_mode != "zeros" and padding not in ("valid", (0,)):
            if padding == "same":
                total = self.dilation[0] * (self.kernel_size[0] - 1)
                widths = (total // 2, total - total // 2)
            else:
                widths = (padding[0], padding[0])
            input, padding = pad_modes(input, widths, self.padding_mode), 0
        return conv1d(
            input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding not in ((0,), "valid"):
            text += f", padding={self.padding!r}"
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text + ("" if self.bias is not None else ", bias=False")
