"""The device seam: each device type has one backend (its array module plus a few primitives).

``backend_of(array)`` finds the backend of an array by its type (one dict look-up, so every op
forward can afford it), ``backend_for(device)`` the backend of a device, loading CUDA's on
first use. Everything device-specific lives behind these two calls.
"""

import numpy as np

from . import cuda
from .base import Backend
from .cpu import CPU
from .device import add_device_type, as_device, device, on_device

_BY_ARRAY_TYPE: dict[type, Backend] = {np.ndarray: CPU}
_BY_DEVICE_TYPE: dict[str, Backend] = {"cpu": CPU}
_UNAVAILABLE: dict[str, str] = {}  # device type -> why it cannot be had


def register(backend: Backend) -> None:
    """Make ``backend`` serve its device type and array types."""
    add_device_type(backend.type)
    _BY_DEVICE_TYPE[backend.type] = backend
    for array_type in backend.array_types:
        _BY_ARRAY_TYPE[array_type] = backend


def _load_cuda() -> Backend | None:
    if "cuda" not in _BY_DEVICE_TYPE and "cuda" not in _UNAVAILABLE:
        backend, reason = cuda.load()
        if backend is None:
            _UNAVAILABLE["cuda"] = reason
        else:
            register(backend)
    return _BY_DEVICE_TYPE.get("cuda")


def cuda_unavailable_reason() -> str | None:
    """Why CUDA cannot be used here, or None when it can."""
    _load_cuda()
    return _UNAVAILABLE.get("cuda")


def backend_for(where) -> Backend:
    """The backend of a device (or device string); a clear error when it is not available."""
    where = as_device(where)
    backend = _BY_DEVICE_TYPE.get(where.type)
    if backend is None and where.type == "cuda":
        backend = _load_cuda()
    if backend is None:
        reason = _UNAVAILABLE.get(where.type, "no backend is registered for it")
        raise RuntimeError(f"device {where} is not available: {reason}")
    return backend


def backend_of(array) -> Backend:
    """The backend an array belongs to (NumPy scalars count as the CPU's)."""
    try:
        return _BY_ARRAY_TYPE[type(array)]
    except KeyError:
        if isinstance(array, np.ndarray | np.generic):
            return CPU
        raise TypeError(f"not an array of any device: {type(array).__name__}") from None


def array_module(array):
    """The array module (``numpy``, ``cupy``, ...) that computes on ``array``."""
    return backend_of(array).xp


def transfer(array, where):
    """``array`` copied to device ``where`` (itself when it is there already); the one place
    data crosses between devices."""
    source = backend_of(array)
    if on_device(source.device_of(array), where):
        return array
    return backend_for(where).from_host(source.to_host(array), where)


def array_on(value, where):
    """``value`` (an array of any device, or what NumPy reads: a list, a scalar) as an array on
    device ``where``."""
    return transfer(value if is_array(value) else np.asarray(value), where)


def is_array(value) -> bool:
    """True for an array of some device (not a Python scalar, list or Tensor)."""
    return type(value) in _BY_ARRAY_TYPE or isinstance(value, np.ndarray)


__all__ = [
    "Backend", "array_module", "array_on", "as_device", "backend_for", "backend_of",
    "cuda_unavailable_reason", "device", "is_array", "on_device", "register", "transfer",
]  # fmt: skip
