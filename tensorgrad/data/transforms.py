"""Transforms for one sample or a batch: Compose, ToTensor, Normalize, RandomAffine.

A transform is called on one sample, ``t(x)``, and on a batch whose first dim indexes samples,
``t.batch(x)`` (see ``base``). Inputs may be ndarrays or Tensors; ``ToTensor`` returns a Tensor,
the others return the input's type.
"""

from collections.abc import Callable, Sequence

import numpy as np

from ..tensor import Tensor
from .affine import RandomAffine, affine
from .base import Transform, apply_batch, unwrap, wrap

__all__ = [
    "Compose", "Normalize", "RandomAffine", "ToTensor", "Transform", "affine", "apply_batch",
]  # fmt: skip


class Compose(Transform):
    """Apply ``transforms`` in order (plain callables are allowed)."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise TypeError(f"Compose: {t!r} is not callable")

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def batch(self, x):
        for t in self.transforms:
            x = apply_batch(t, x)
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class ToTensor(Transform):
    """uint8 images (..., H, W) -> float32 Tensor (..., 1, H, W) in [0, 1].

    One grayscale image (H, W) gives (1, H, W); a batch (N, H, W) gives (N, 1, H, W). Floating
    input is converted to float32 without scaling (as torchvision does for non-uint8 arrays).
    Unlike torchvision there is no HWC -> CHW move: inputs are single-channel.
    """

    def __call__(self, x) -> Tensor:
        array, _ = unwrap(x, "ToTensor")
        if array.ndim < 2:
            raise ValueError(f"ToTensor: expected images (..., H, W), got shape {array.shape}")
        if array.dtype == np.uint8:
            out = array.astype(np.float32) / np.float32(255)
        elif array.dtype.kind == "f":
            out = array.astype(np.float32)
        else:
            raise TypeError(f"ToTensor: expected uint8 or floating images, got {array.dtype}")
        return Tensor._make(np.expand_dims(out, -3))


class Normalize(Transform):
    """``(x - mean[c]) / std[c]`` per channel, on float images (..., C, H, W).

    ``mean`` and ``std`` are numbers or sequences of length C; the result keeps x's dtype.
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1:
            raise ValueError(f"Normalize: mean and std must be numbers or flat sequences, "
                             f"got {mean!r} and {std!r}")  # fmt: skip
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must be non-zero, got {std!r}")

    def __call__(self, x):
        array, was_tensor = unwrap(x, "Normalize")
        if array.dtype.kind != "f":
            raise TypeError(f"Normalize: expected floating images (use ToTensor first), "
                            f"got {array.dtype}")  # fmt: skip
        if array.ndim < 3:
            raise ValueError(f"Normalize: expected images (..., C, H, W), got shape {array.shape}")
        channels = array.shape[-3]
        for name, values in (("mean", self.mean), ("std", self.std)):
            if values.size not in (1, channels):
                raise ValueError(
                    f"Normalize: {name} has {values.size} values but the images have {channels} "
                    f"channels (shape {array.shape})"
                )
        mean = self.mean.astype(array.dtype)[:, None, None]
        std = self.std.astype(array.dtype)[:, None, None]
        return wrap((array - mean) / std, was_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"
