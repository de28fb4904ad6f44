"""``F.interpolate`` and ``nn.Upsample``: nearest and (bi)linear resizing of 3-D (N, C, L)
and 4-D (N, C, H, W) inputs, with PyTorch's coordinate rules.

Each spatial dim is resized on its own: nearest reads one source position per output position,
linear mixes two neighbours with weights (bilinear is linear along H, then W). Positions and
weights are host arithmetic on the sizes in the input's precision (float32 for float32, float64
for float64), as PyTorch's CPU kernels compute them.
"""

import math

import numpy as np

from .. import creation
from ..errors import OpError
from ..tensor import Tensor
from .module import Module

_LINEAR = {"linear": 1, "bilinear": 2}


def _output_sizes(shape: tuple, size, scale_factor) -> tuple:
    spatial = len(shape) - 2
    if (size is None) == (scale_factor is None):
        raise OpError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * spatial if isinstance(size, int) else tuple(size)
        if len(sizes) != spatial:
            raise OpError(
                f"interpolate: size {size} needs {spatial} values for input of shape {shape}"
            )
        return tuple(int(s) for s in sizes), (None,) * spatial
    scales = (scale_factor,) * spatial if isinstance(scale_factor, int | float) else scale_factor
    scales = tuple(float(s) for s in scales)
    if len(scales) != spatial:
        raise OpError(
            f"interpolate: scale_factor {scale_factor} needs {spatial} values for input of "
            f"shape {shape}"
        )
    return tuple(math.floor(n * s) for n, s in zip(shape[2:], scales)), scales


def _scale(size_in: int, size_out: int, factor, align_corners: bool, real: type):
    """Source units per output unit: PyTorch's ``area_pixel_compute_scale``."""
    if align_corners:
        return real((size_in - 1) / (size_out - 1) if size_out > 1 else 0.0)
    return real(1.0 / factor if factor else size_in / size_out)


def _real(x: Tensor) -> type:
    """The precision of the coordinate arithmetic: float64 for float64 input, else float32."""
    return np.float64 if x.dtype == np.float64 else np.float32


def _nearest(x: Tensor, dim: int, size_out: int, factor, exact: bool) -> Tensor:
    size_in, real = x.shape[dim], _real(x)
    scale = _scale(size_in, size_out, factor, False, real)
    offset = real(0.5 if exact else 0.0)
    positions = np.floor((np.arange(size_out, dtype=real) + offset) * scale)
    positions = np.minimum(positions.astype(np.int64), size_in - 1)
    return x[(slice(None),) * dim + (positions,)]


def _linear(x: Tensor, dim: int, size_out: int, factor, align_corners: bool) -> Tensor:
    size_in, real = x.shape[dim], _real(x)
    scale = _scale(size_in, size_out, factor, align_corners, real)
    steps = np.arange(size_out, dtype=real)
    if align_corners:
        source = steps * scale
    else:
        source = np.maximum(scale * (steps + real(0.5)) - real(0.5), 0)
    low = source.astype(np.int64)  # source >= 0: truncation is floor
    high = np.where(low < size_in - 1, low + 1, low)
    weight = (source - low).reshape((size_out,) + (1,) * (x.ndim - dim - 1))
    weight = creation.tensor(weight, dtype=x.dtype, device=x.device)
    lead = (slice(None),) * dim
    return x[lead + (low,)] * (1.0 - weight) + x[lead + (high,)] * weight


def interpolate(
    input: Tensor,  # noqa: A002
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
) -> Tensor:
    """Resize the spatial dims to ``size`` or by ``scale_factor`` (output size
    floor(in * factor)). Modes ``nearest``, ``nearest-exact``, ``linear`` (3-D) and
    ``bilinear`` (4-D); ``align_corners`` maps the corner pixels' centres onto each other.
    A given ``scale_factor`` is used for the coordinates unless ``recompute_scale_factor``."""
    if input.ndim not in (3, 4):
        raise OpError(
            f"interpolate: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got shape "
            f"{input.shape}"
        )
    if mode in _LINEAR:
        if _LINEAR[mode] != input.ndim - 2:
            raise OpError(
                f"interpolate: mode {mode!r} needs a {_LINEAR[mode] + 2}-D input, got shape "
                f"{input.shape}"
            )
    elif mode in ("nearest", "nearest-exact"):
        if align_corners is not None:
            raise OpError(
                "interpolate: align_corners option can only be set with the interpolating "
                "modes: linear | bilinear"
            )
    else:
        raise OpError(
            f"interpolate: mode must be nearest, nearest-exact, linear or bilinear, got {mode!r}"
        )
    sizes, factors = _output_sizes(input.shape, size, scale_factor)
    if recompute_scale_factor:
        factors = (None,) * len(sizes)
    out = input
    for k, (size_out, factor) in enumerate(zip(sizes, factors)):
        dim = 2 + k
        if size_out < 1:
            raise OpError(f"interpolate: output size {sizes} must be positive")
        if mode in _LINEAR:
            out = _linear(out, dim, size_out, factor, bool(align_corners))
        else:
            out = _nearest(out, dim, size_out, factor, mode == "nearest-exact")
    return out


class Upsample(Module):
    """``interpolate`` as a layer, PyTorch's ``nn.Upsample``."""

    def __init__(
        self,
        size=None,
        scale_factor=None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return interpolate(
            input, self.size, self.scale_factor, self.mode, self.align_corners,
            self.recompute_scale_factor,
        )  # fmt: skip

    def extra_repr(self) -> str:
        if self.size is not None:
            return f"size={self.size}, mode='{self.mode}'"
        return f"scale_factor={self.scale_factor}, mode='{self.mode}'"
