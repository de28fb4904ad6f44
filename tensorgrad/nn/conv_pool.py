"""Convolution and pooling with PyTorch's signatures and semantics (Numba kernels underneath).

These functions validate their arguments (errors name the function, the argument and the
shapes), normalise int-or-pair arguments, and call the registered ops in ``tensorgrad.ops.conv``
and ``tensorgrad.ops.pool``. Inputs are (N, C, H, W), or unbatched (C, H, W), in float32 or
float64; the output keeps the input's dtype.
"""

import numpy as np

from ..errors import OpError
from ..ops import conv as conv_ops
from ..ops import elementwise as ew_ops
from ..ops import pool as pool_ops
from ..ops.registry import is_grad_enabled
from ..tensor import Tensor


def _pair(value, name: str, op: str, minimum: int) -> tuple[int, int]:
    if type(value) is int and value >= minimum:  # the common case, before the general checks
        return value, value
    pair = tuple(value) if isinstance(value, list | tuple) else (value, value)
    if len(pair) == 1:
        pair = pair * 2
    if len(pair) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in pair
    ):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in pair):
        raise OpError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_input(x, op: str, name: str = "input") -> tuple[Tensor, bool]:
    """The input as 4-D (a batch of one for an unbatched 3-D input) and whether it was 3-D."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: {name} must be float32 or float64, got {x.dtype}")
    if x.ndim == 3:
        return x.unsqueeze(0), True
    if x.ndim != 4:
        raise OpError(f"{op}: {name} must be (N, C, H, W) or (C, H, W), got shape {x.shape}")
    return x, False


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of ``input`` (N, C_in, H, W) with ``weight``
    (C_out, C_in / groups, kH, kW), plus ``bias`` (C_out,) if given.

    ``stride``, ``dilation`` and ``padding`` are ints or pairs; ``padding`` may also be
    ``'valid'`` (none) or ``'same'`` (output as large as the input; stride 1 only; an odd total
    padding puts the extra row/column at the bottom/right, as PyTorch does). Differentiable to
    any order in ``input``, ``weight`` and ``bias``.
    """
    op = "conv2d"
    x, unbatched = _check_input(input, op)
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: weight must be a Tensor, got {type(weight).__name__}")
    if weight.ndim != 4:
        raise OpError(f"{op}: weight must be (C_out, C_in/groups, kH, kW), got {weight.shape}")
    if weight.dtype != x.dtype:
        raise TypeError(f"{op}: input is {x.dtype} but weight is {weight.dtype}; they must match")
    if not isinstance(groups, int | np.integer) or isinstance(groups, bool) or groups < 1:
        raise OpError(f"{op}: groups must be a positive int, got {groups!r}")
    c_in, c_out = x.shape[1], weight.shape[0]
    if c_in % groups or c_out % groups:
        raise OpError(
            f"{op}: groups={groups} must divide both input channels ({c_in}) and "
            f"output channels ({c_out})"
        )
    if weight.shape[1] * groups != c_in:
        raise OpError(
            f"{op}: input {tuple(input.shape)} has {c_in} channels but weight "
            f"{weight.shape} expects {weight.shape[1] * groups} "
            f"(weight.shape[1]={weight.shape[1]} x groups={groups})"
        )
    stride = _pair(stride, "stride", op, 1)
    dilation = _pair(dilation, "dilation", op, 1)
    kh, kw = weight.shape[2:]
    if kh < 1 or kw < 1:
        raise OpError(f"{op}: weight {weight.shape} has an empty kernel")
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise OpError(f"{op}: padding='same' needs stride 1, got stride={stride}")
            total_h, total_w = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            pads = (total_h // 2, total_h - total_h // 2, total_w // 2, total_w - total_w // 2)
        else:
            raise OpError(
                f"{op}: padding must be 'valid', 'same', an int or a pair, got {padding!r}"
            )
    else:
        ph, pw = _pair(padding, "padding", op, 0)
        pads = (ph, ph, pw, pw)
    h, w = x.shape[2:]
    eff_h, eff_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if h + pads[0] + pads[1] < eff_h or w + pads[2] + pads[3] < eff_w:
        raise OpError(
            f"{op}: kernel {(kh, kw)} (dilated to {(eff_h, eff_w)}) is larger than "
            f"the padded input {(h + pads[0] + pads[1], w + pads[2] + pads[3])} "
            f"(input {tuple(input.shape)}, padding {padding!r})"
        )
    biases = ()
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise TypeError(f"{op}: bias must be a Tensor or None, got {type(bias).__name__}")
        if bias.shape != (c_out,):
            raise OpError(f"{op}: bias must have shape ({c_out},), got {bias.shape}")
        if bias.dtype != x.dtype:
            raise TypeError(f"{op}: input is {x.dtype} but bias is {bias.dtype}; they must match")
        biases = (bias,)
    out = conv_ops.CONV2D(
        x,
        weight,
        *biases,
        stride=stride,
        padding=pads,
        dilation=dilation,
        groups=int(groups),
        keep_padded=is_grad_enabled() and weight.requires_grad,
    )
    return out.squeeze(0) if unbatched else out


def pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length; with ``ceil_mode`` a last window that would start in
    the right padding is dropped."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_args(op, x, kernel_size, stride, padding, dilation, ceil_mode):
    kernel = _pair(kernel_size, "kernel_size", op, 1)
    stride = (
        kernel if stride is None or stride == [] or stride == () else _pair(stride, "stride", op, 1)
    )
    padding = _pair(padding, "padding", op, 0)
    dilation = _pair(dilation, "dilation", op, 1)
    for k, p, axis in zip(kernel, padding, "HW"):
        if 2 * p > k:
            raise OpError(
                f"{op}: padding {padding} must be at most half the kernel size "
                f"{kernel} (along {axis})"
            )
    h, w = x.shape[2:]
    out_size = tuple(
        pool_out_size(n, k, s, p, d, bool(ceil_mode))
        for n, k, s, p, d in zip((h, w), kernel, stride, padding, dilation)
    )
    if min(out_size) < 1:
        raise OpError(
            f"{op}: kernel {kernel} (dilation {dilation}) does not fit the padded "
            f"input of shape {tuple(x.shape)} with padding {padding}: the output "
            f"would be {out_size}"
        )
    return kernel, stride, padding, dilation, out_size


def max_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
    *,
    relu: bool = False,
):
    """Max over each window of ``input`` (N, C, H, W); padding counts as -inf.

    ``stride`` defaults to ``kernel_size``. With ``ceil_mode`` the output size rounds up, but a
    window that would start in the right padding is dropped (PyTorch's rule). On ties the
    **first** maximum in the window (row-major order) is the one selected and the only one that
    receives the gradient; NaN counts as the maximum. ``return_indices`` also returns the flat
    index of each maximum in its input plane (an int64 Tensor, as ``torch``'s).

    A window that lies wholly in the padding (possible with dilation) gives -inf, no gradient,
    and index -1 (PyTorch gives -inf and an arbitrary index).

    ``relu=True`` (a tensorgrad extension) returns ``relu(max_pool2d(...))`` in one pass. That
    equals ``max_pool2d(relu(input))`` (except for all-padding windows) at a fraction of the
    cost, since the ReLU runs on the pooled output instead of the full input. Code written the
    PyTorch way gets the same: pooling the output of ``relu`` (recorded for backward, without
    hooks or ``retain_grad`` yet, no all-padding window, no ``return_indices``) pools the
    ReLU's input with ``relu=True``, the same values and gradients, the gradient reaching the
    ReLU's input without a pass through the ReLU's backward. (So a hook or ``retain_grad``
    put on that ReLU's output *after* pooling it does not see the pool's gradient.)
    """
    op = "max_pool2d"
    x, unbatched = _check_input(input, op)
    kernel, stride, padding, dilation, out_size = _pool_args(
        op, x, kernel_size, stride, padding, dilation, ceil_mode
    )
    source = None if relu or return_indices else _relu_input(input)
    if source is not None and not _padding_window(x.shape, kernel, stride, padding, dilation,
                                                  out_size):  # fmt: skip
        x, relu = (source.unsqueeze(0) if unbatched else source), True
    out, index = pool_ops.MAX_POOL2D.with_residual(
        x, kernel_size=kernel, stride=stride, padding=padding,
        dilation=dilation, out_size=out_size, relu=bool(relu),
    )  # fmt: skip
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    flat = pool_ops.flat_indices(index, x.shape, kernel, stride, padding, dilation)
    return out, Tensor._make(flat[0] if unbatched else flat)


def relu_max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                    ceil_mode: bool = False) -> Tensor:  # fmt: skip
    """``max_pool2d(relu(input), ...)``, as one fused pass wherever the two are equal (no window
    wholly in the padding): what ``nn.Sequential`` runs for a ReLU followed by a MaxPool2d."""
    x, _ = _check_input(input, "max_pool2d")
    kernel, stride_, padding_, dilation_, out_size = _pool_args(
        "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode
    )
    fused = not _padding_window(x.shape, kernel, stride_, padding_, dilation_, out_size)
    source = input if fused else ew_ops.RELU(input)
    return max_pool2d(source, kernel_size, stride, padding, dilation, ceil_mode, relu=fused)


def _relu_input(t: Tensor) -> Tensor | None:
    """The input of the ``relu`` that made ``t``, when nothing observes t's gradient (no hook,
    no ``retain_grad``); else None."""
    node = t._node
    if node is None or node.op is not ew_ops.RELU or node.hooks or node.retained is not None:
        return None
    return node.inputs[0]


def _padding_window(shape, kernel, stride, padding, dilation, out_size) -> bool:
    """Whether some window lies wholly in the padding (there ``relu=True`` gives 0, the pool of
    a ReLU -inf)."""
    if padding == (0, 0):  # every window kept starts inside the input
        return False
    for size, k, s, p, d, n in zip(shape[2:], kernel, stride, padding, dilation, out_size):
        for o in range(n):
            if all(not 0 <= o * s - p + j * d < size for j in range(k)):
                return True
    return False


def avg_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over each window of ``input`` (N, C, H, W).

    ``stride`` defaults to ``kernel_size``; ``ceil_mode`` as in ``max_pool2d``. With
    ``count_include_pad`` the divisor counts the zero padding inside the window (but never the
    part of a ceil-mode window beyond the padding), otherwise only the input pixels.
    """
    op = "avg_pool2d"
    x, unbatched = _check_input(input, op)
    kernel, stride, padding, _, out_size = _pool_args(
        op, x, kernel_size, stride, padding, 1, ceil_mode
    )
    out = pool_ops.AVG_POOL2D(
        x,
        kernel_size=kernel,
        stride=stride,
        padding=padding,
        out_size=out_size,
        count_include_pad=bool(count_include_pad),
    )
    return out.squeeze(0) if unbatched else out


__all__ = ["avg_pool2d", "conv2d", "max_pool2d", "pool_out_size"]
