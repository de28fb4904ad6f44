"""Dropout masks: ``scaled_keep_mask`` (shared with ``F.dropout``), ``F.dropout2d`` and
``nn.Dropout2d``, which zero whole channels."""

import warnings

import numpy as np

from .. import creation
from ..backends import backend_of
from ..errors import OpError
from ..tensor import Tensor
from .module import Module


def scaled_keep_mask(input: Tensor, shape: tuple, p: float) -> Tensor:  # noqa: A002
    """A mask of ``shape`` on input's device: 1 / (1 - p) with probability 1 - p, else 0,
    drawn from ``tg.creation.default_generator()``."""
    backend = backend_of(input.data)
    draws = backend.random(creation.default_generator(), "random", shape, np.float32, input.device)
    keep = draws >= p
    return Tensor._make(keep.astype(input.dtype) * input.dtype.type(1.0 / (1.0 - p)))


def dropout2d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Zero each channel (dim 1 of (N, C, H, W)) with probability ``p`` in training and scale
    the rest by 1 / (1 - p). A 3-D input is read as (N, C, L), with PyTorch's warning (its
    current rule; it plans (C, H, W)); other ranks of 2 or more warn and drop along dim 1."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: probability p must be in [0, 1], got {p}")
    if inplace:
        raise NotImplementedError("dropout2d: inplace=True is not supported")
    if input.ndim < 2:
        raise OpError(
            f"dropout2d: feature dropout requires at least 2 dimensions in the input, got shape "
            f"{input.shape}"
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: received a 3D input and assuming that channel-wise 1D dropout is "
            "desired: the input is read as (N, C, L), as PyTorch does (use dropout1d for it)",
            stacklevel=2,
        )
    elif input.ndim != 4:
        warnings.warn(
            f"dropout2d: received a {input.ndim}-D input, which PyTorch deprecates; channels "
            "(dim 1) are dropped as for a 4-D input",
            stacklevel=2,
        )
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    return input * scaled_keep_mask(input, input.shape[:2] + (1,) * (input.ndim - 2), p)


class Dropout2d(Module):
    """``dropout2d`` as a layer: whole channels zeroed with probability ``p`` in training."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout2d: probability p must be in [0, 1], got {p}")
        if inplace:
            raise NotImplementedError("Dropout2d: inplace=True is not supported")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout2d(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
