"""``F.conv_transpose2d`` and ``nn.ConvTranspose2d``: the adjoint of ``conv2d``.

A transposed convolution of ``x`` with ``w`` is the input gradient of the convolution that
maps its output back to ``x``, so it is the ``conv2d_input_grad`` op itself (its VJPs are
``conv2d`` and the weight gradient; derivatives of every order stay inside the three conv ops).
The weight has PyTorch's layout (C_in, C_out / groups, kH, kW), which is that convolution's.
"""

import numpy as np

from ..errors import OpError
from ..functions import pad as pad_constant
from ..ops import conv as conv_ops
from ..tensor import Tensor
from .conv_pool import _check_input, _pair
from .layers import Conv2d, _empty
from .module import Module


def _output_length(size: int, k: int, s: int, p: int, d: int, op: int) -> int:
    return (size - 1) * s - 2 * p + d * (k - 1) + op + 1


def conv_transpose2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """2-D transposed convolution of ``input`` (N, C_in, H, W) or (C_in, H, W) with ``weight``
    (C_in, C_out / groups, kH, kW), plus ``bias`` (C_out,) if given. The output is
    ``(H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1`` high (and
    wide likewise); ``output_padding`` (smaller than stride or dilation) adds rows and columns
    at the bottom and right."""
    op = "conv_transpose2d"
    x, unbatched = _check_input(input, op)
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        shape = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise OpError(f"{op}: weight must be (C_in, C_out/groups, kH, kW), got {shape}")
    if weight.dtype != x.dtype:
        raise TypeError(f"{op}: input is {x.dtype} but weight is {weight.dtype}; they must match")
    if not isinstance(groups, int | np.integer) or isinstance(groups, bool) or groups < 1:
        raise OpError(f"{op}: groups must be a positive int, got {groups!r}")
    c_in = x.shape[1]
    if weight.shape[0] != c_in or c_in % groups:
        raise OpError(
            f"{op}: weight of size {list(weight.shape)} expects input {list(input.shape)} to "
            f"have {weight.shape[0]} channels (divisible by groups={groups}), but got {c_in}"
        )
    stride, dilation = _pair(stride, "stride", op, 1), _pair(dilation, "dilation", op, 1)
    padding = _pair(padding, "padding", op, 0)
    output_padding = _pair(output_padding, "output_padding", op, 0)
    for o, s, d in zip(output_padding, stride, dilation):
        if o >= s and o >= d:
            raise OpError(
                f"{op}: output_padding {output_padding} must be smaller than either stride "
                f"{stride} or dilation {dilation}"
            )
    kernel, c_out = weight.shape[2:], weight.shape[1] * groups
    out_hw = tuple(
        _output_length(n, k, s, p, d, o)
        for n, k, s, p, d, o in zip(x.shape[2:], kernel, stride, padding, dilation, output_padding)
    )
    if min(out_hw) < 1:
        raise OpError(
            f"{op}: the output would be {out_hw} for input {tuple(input.shape)}, kernel "
            f"{tuple(kernel)}, stride {stride}, padding {padding}, dilation {dilation}"
        )
    # an output_padding of a stride or more (allowed when dilation is larger) reaches positions
    # the convolution of the output sees but x does not hold: zero rows and columns there
    seen = [
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, k, s, p, d in zip(out_hw, kernel, stride, padding, dilation)
    ]
    extra_h, extra_w = seen[0] - x.shape[2], seen[1] - x.shape[3]
    if extra_h or extra_w:
        x = pad_constant(x, (0, extra_w, 0, extra_h))
    out = conv_ops.CONV2D_INPUT_GRAD(
        x, weight,
        input_shape=(x.shape[0], c_out) + out_hw, stride=stride,
        padding=(padding[0], padding[0], padding[1], padding[1]),
        dilation=dilation, groups=int(groups),
    )  # fmt: skip
    if bias is not None:
        if not isinstance(bias, Tensor) or tuple(bias.shape) != (c_out,):
            shape = bias.shape if isinstance(bias, Tensor) else type(bias).__name__
            raise OpError(f"{op}: bias must have shape ({c_out},), got {shape}")
        out = out + bias.reshape(1, c_out, 1, 1)
    return out.squeeze(0) if unbatched else out


class ConvTranspose2d(Module):
    """2-D transposed convolution; weight (in_channels, out_channels / groups, kH, kW), bias
    (out_channels,), PyTorch's arguments and initialisation. ``padding_mode`` must be
    ``'zeros'``, as in PyTorch."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        dtype=None,
    ) -> None:
        super().__init__()
        op = "ConvTranspose2d"
        if padding_mode != "zeros":
            raise ValueError(f'{op}: only "zeros" padding mode is supported, got {padding_mode!r}')
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{op}: in_channels {in_channels} and out_channels {out_channels} must both be "
                f"divisible by groups {groups}"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _pair(kernel_size, "kernel_size", op, 1)
        self.stride = _pair(stride, "stride", op, 1)
        self.padding = _pair(padding, "padding", op, 0)
        self.output_padding = _pair(output_padding, "output_padding", op, 0)
        self.dilation = _pair(dilation, "dilation", op, 1)
        self.padding_mode = padding_mode
        self.weight = _empty((in_channels, out_channels // groups, *self.kernel_size), dtype)
        if bias:
            self.bias = _empty((out_channels,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    reset_parameters = Conv2d.reset_parameters  # fan-in of the weight tensor, as PyTorch

    def _output_padding(self, input: Tensor, output_size) -> tuple:  # noqa: A002
        """The output_padding that gives ``output_size`` (the last two of its values)."""
        if output_size is None:
            return self.output_padding
        wanted = tuple(output_size)[-2:]
        padding = []
        for n, want, k, s, p, d in zip(
            input.shape[-2:], wanted, self.kernel_size, self.stride, self.padding, self.dilation
        ):
            smallest = _output_length(n, k, s, p, d, 0)
            if not smallest <= want < smallest + max(s, d):
                raise OpError(
                    f"ConvTranspose2d: requested an output size of {tuple(wanted)}, but valid "
                    f"sizes for input {tuple(input.shape)} start at {smallest} and stay below "
                    f"{smallest + max(s, d)} (stride {self.stride}, dilation {self.dilation})"
                )
            padding.append(want - smallest)
        return tuple(padding)

    def forward(self, input: Tensor, output_size=None) -> Tensor:  # noqa: A002
        return conv_transpose2d(
            input, self.weight, self.bias, self.stride, self.padding,
            self._output_padding(input, output_size), self.groups, self.dilation,
        )  # fmt: skip

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        for name, default in (("padding", (0, 0)), ("output_padding", (0, 0)),
                              ("dilation", (1, 1))):  # fmt: skip
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")
