"""Creating tensors: from data, filled, ranges, and random draws from one seeded generator.

Every function takes ``device=`` (default: the CPU; for ``*_like``, the other tensor's device).
Data from Python or NumPy is prepared on the host and copied to the device once; filled tensors
are made on the device by its array module; random draws come from the one host generator, so a
seed gives the same numbers on every device.
"""

import numpy as np

from .backends import as_device, backend_for, backend_of, is_array, transfer
from .dtypes import as_dtype, check_float, float32
from .errors import OpError
from .tensor import Tensor

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator behind ``rand``, ``randn``, ``randint`` and parameter initialisation."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The generator ``manual_seed`` seeds (its state can be saved and restored)."""
    return _generator


def _sizes(size: tuple) -> tuple:
    """``zeros(2, 3)`` and ``zeros((2, 3))`` both mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    if not all(isinstance(n, int | np.integer) and n >= 0 for n in size):
        raise ValueError(f"sizes must be non-negative ints, got {size}")
    return tuple(int(n) for n in size)


def _finish(data, requires_grad: bool, device=None) -> Tensor:
    """A tensor of ``data`` (a host ndarray or already a device's array) on ``device``."""
    if requires_grad:
        check_float(data.dtype, "tensor(requires_grad=True)")
    if device is not None:
        data = transfer(data, as_device(device))
    return Tensor._make(data, requires_grad)


def _device_of(t: Tensor, device):
    return t.device if device is None else device


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, scalars, ndarrays or a Tensor).

    Python floats give float32 and ints int64; ndarrays keep their dtype.
    """
    if isinstance(data, Tensor):
        device = data.device if device is None else device
        data = backend_of(data.data).to_host(data.data)
    elif is_array(data) and not isinstance(data, np.ndarray):  # another device's array
        device = backend_of(data).device_of(data) if device is None else device
        data = backend_of(data).to_host(data)
    array = np.array(data, dtype=None if dtype is None else as_dtype(dtype))
    from_python = not isinstance(data, np.ndarray | np.generic)
    if from_python and dtype is None and array.dtype == np.float64:
        array = array.astype(float32)  # Python floats are float32, as in PyTorch
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(f"tensor(): cannot make a tensor from {type(data).__name__} data")
    return _finish(array, requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a Tensor, sharing memory with an array of the same device and dtype."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    if is_array(data):
        array = data if dtype is None else data.astype(as_dtype(dtype), copy=False)
        return _finish(array, False, device)
    return tensor(data, dtype, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects an ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def _filled(size, value, dtype, requires_grad, device) -> Tensor:
    dtype = float32 if dtype is None else as_dtype(dtype)
    xp = np if device is None else backend_for(device).xp  # filled where it will live
    return _finish(xp.full(_sizes(size), value, dtype=dtype), requires_grad, device)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 0, dtype, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 1, dtype, requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uninitialised in PyTorch; zero-filled here (NumPy gives no cheaper safe option)."""
    return _filled(size, 0, dtype, requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if dtype is None and isinstance(fill_value, bool | int):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    size = (size,) if isinstance(size, int) else tuple(size)
    return _filled(size, fill_value, dtype, requires_grad, device)


def zeros_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dtype = t.dtype if dtype is None else dtype
    return _filled(t.shape, 0, dtype, requires_grad, _device_of(t, device))


def ones_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dtype = t.dtype if dtype is None else dtype
    return _filled(t.shape, 1, dtype, requires_grad, _device_of(t, device))


def full_like(
    t: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    dtype = t.dtype if dtype is None else dtype
    return _filled(t.shape, fill_value, dtype, requires_grad, _device_of(t, device))


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False):
    """Values from ``start`` to ``end`` (excluded); int64 for int arguments, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if dtype is None:
        ints = all(isinstance(v, int | np.integer) for v in (start, end, step))
        dtype = np.int64 if ints else float32
    data = np.arange(start, end, step).astype(as_dtype(dtype))
    return _finish(data, requires_grad, device)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False):
    """``steps`` values from ``start`` to ``end``, computed as PyTorch does: the first half
    forwards from ``start``, the second backwards from ``end`` (in double precision, truncated,
    for integer dtypes), so both ends are exact and the values round as PyTorch's."""
    dtype = float32 if dtype is None else as_dtype(dtype)
    if not isinstance(steps, int | np.integer) or steps < 0:
        raise OpError(f"linspace: number of steps must be a non-negative int, got {steps!r}")
    compute = np.dtype(np.float64) if dtype.kind in "biu" else dtype
    i = np.arange(steps)
    first, last = compute.type(start), compute.type(end)
    step = (last - first) / compute.type(max(steps - 1, 1))
    forward = first + step * i.astype(compute)
    backward = last - step * (steps - 1 - i).astype(compute)
    values = np.where(i < steps // 2, forward, backward)
    return _finish(values.astype(dtype), requires_grad, device)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False):
    data = np.eye(n, m, dtype=float32 if dtype is None else as_dtype(dtype))
    return _finish(data, requires_grad, device)


def _random_float(kind: str, size, dtype, requires_grad, device) -> Tensor:
    dtype = float32 if dtype is None else as_dtype(dtype)
    check_float(dtype, "rand/randn")
    where = as_device("cpu" if device is None else device)
    data = backend_for(where).random(_generator, kind, _sizes(size), dtype, where)
    return _finish(data, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform draws in [0, 1) from the generator ``manual_seed`` seeds."""
    return _random_float("random", size, dtype, requires_grad, device)


def randn(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws from the generator ``manual_seed`` seeds."""
    return _random_float("standard_normal", size, dtype, requires_grad, device)


def randint(low: int, high: int | None = None, size: tuple = (), dtype=None, device=None):
    """Integers in [low, high) (or [0, low) when ``high`` is None), int64 by default."""
    if high is None:
        low, high = 0, low
    data = _generator.integers(low, high, size=tuple(size))
    data = np.asarray(data, dtype=np.int64 if dtype is None else as_dtype(dtype))
    return _finish(data, False, device)


def randperm(n: int, dtype=None, device=None) -> Tensor:
    data = _generator.permutation(n).astype(np.int64 if dtype is None else as_dtype(dtype))
    return _finish(data, False, device)
