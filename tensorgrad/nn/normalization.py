"""Layer and group normalisation, ``F.layer_norm`` / ``F.group_norm`` and their layers.

Both run the layer-norm primitive (``ops/layer_norm.py``): group norm is layer norm over each
group's channels and positions, (N, G, C/G * spatial) normalised over the last dim, with the
per-channel scale and shift after. Statistics are biased (divide by the count), as PyTorch's.
"""

import numpy as np

from ..backends import array_module
from ..dtypes import as_dtype
from ..errors import OpError
from ..ops.layer_norm import LAYER_NORM
from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


def _filled_like(x: Tensor, shape: tuple, value: float) -> Tensor:
    """A constant tensor on x's device (the primitive takes weight and bias both or neither)."""
    xp = array_module(x.data)
    return Tensor._make(xp.full(shape, value, dtype=x.dtype))


def _as_shape(normalized_shape) -> tuple:
    if isinstance(normalized_shape, int | np.integer):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims (which must equal
    ``normalized_shape``), then ``* weight + bias`` (each of ``normalized_shape``) if given."""
    shape = _as_shape(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k :]) != shape:
        raise OpError(
            f"layer_norm: given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise OpError(
                f"layer_norm: {name} of shape {tuple(t.shape)} does not match "
                f"normalized_shape {shape}"
            )
    if weight is None and bias is None:
        return LAYER_NORM(input, k=k, eps=float(eps))
    weight = _filled_like(input, shape, 1.0) if weight is None else weight
    bias = _filled_like(input, shape, 0.0) if bias is None else bias
    return LAYER_NORM(input, weight, bias, k=k, eps=float(eps))


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the channels (dim 1) of ``input`` (N, C, *) into ``num_groups`` groups, normalise
    each group of each sample over its channels and spatial positions, then ``* weight + bias``
    per channel ((C,) each) if given."""
    if input.ndim < 2:
        raise OpError(
            f"group_norm: expected input of shape (N, C, *) with at least 2 dims, got shape "
            f"{input.shape}"
        )
    n, channels = input.shape[:2]
    if num_groups < 1 or channels % num_groups:
        raise OpError(
            f"group_norm: expected number of channels in input to be divisible by num_groups, "
            f"but got input of shape {input.shape} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise OpError(
                f"group_norm: {name} of shape {tuple(t.shape)} does not match the {channels} "
                "channels of the input"
            )
    grouped = input.reshape(n, num_groups, -1)
    out = LAYER_NORM(grouped, k=1, eps=float(eps)).reshape(input.shape)
    per_channel = (channels,) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(per_channel)
    return out if bias is None else out + bias.reshape(per_channel)


def _filled(shape: tuple, value: float, dtype) -> Parameter:
    return Parameter(np.full(shape, value, np.float32 if dtype is None else as_dtype(dtype)))


class LayerNorm(Module):
    """``layer_norm`` over the last dims; ``weight`` ones and ``bias`` zeros of
    ``normalized_shape`` when ``elementwise_affine`` (``bias=False``: no bias)."""

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype=None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = _filled(self.normalized_shape, 1.0, dtype)
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = _filled(self.normalized_shape, 0.0, dtype)
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class GroupNorm(Module):
    """``group_norm`` with ``num_groups`` groups of ``num_channels``; ``weight`` ones and
    ``bias`` zeros of (num_channels,) when ``affine`` (``bias=False``: no bias)."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        self.num_groups, self.num_channels, self.eps, self.affine = (
            num_groups, num_channels, eps, affine,
        )  # fmt: skip
        if affine:
            self.weight = _filled((num_channels,), 1.0, dtype)
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = _filled((num_channels,), 0.0, dtype)
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
