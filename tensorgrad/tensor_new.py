"""The ``Tensor.new_*`` factories: a new tensor with this one's dtype and device unless told
otherwise (``x.new_zeros(2, 3)``, ``x.new_tensor([1, 2])``), as PyTorch's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dtypes import as_dtype

if TYPE_CHECKING:
    from .tensor import Tensor


def _creation():
    from . import creation  # at call time: creation imports tensor.py, which imports this

    return creation


def _like(t: Tensor, dtype, device) -> tuple:
    return (t.dtype if dtype is None else as_dtype(dtype)), (t.device if device is None else device)


def _size(size: tuple) -> tuple:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], tuple | list) else size


def new_zeros(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False):
    dtype, device = _like(self, dtype, device)
    return _creation().zeros(_size(size), dtype=dtype, device=device, requires_grad=requires_grad)


def new_ones(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False):
    dtype, device = _like(self, dtype, device)
    return _creation().ones(_size(size), dtype=dtype, device=device, requires_grad=requires_grad)


def new_empty(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False):
    """Zero-filled here (uninitialised in PyTorch)."""
    return new_zeros(self, *size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None,
             requires_grad: bool = False):  # fmt: skip
    dtype, device = _like(self, dtype, device)
    return _creation().full(size, fill_value, dtype=dtype, device=device,
                            requires_grad=requires_grad)  # fmt: skip


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False):
    """A copy of ``data`` with this tensor's dtype and device (unless given)."""
    dtype, device = _like(self, dtype, device)
    return _creation().tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
