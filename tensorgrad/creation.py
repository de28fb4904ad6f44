"""Creating tensors: from data, filled, ranges, and random draws from one seeded generator."""

import numpy as np

from .dtypes import as_dtype, check_float, float32
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


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad:
        check_float(data.dtype, "tensor(requires_grad=True)")
    return Tensor._make(data, requires_grad)


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, scalars, ndarrays or a Tensor).

    Python floats give float32 and ints int64; ndarrays keep their dtype.
    """
    if isinstance(data, Tensor):
        data = data.data
    array = np.array(data, dtype=None if dtype is None else as_dtype(dtype))
    from_python = not isinstance(data, np.ndarray | np.generic)
    if from_python and dtype is None and array.dtype == np.float64:
        array = array.astype(float32)  # Python floats are float32, as in PyTorch
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(f"tensor(): cannot make a tensor from {type(data).__name__} data")
    return _finish(array, requires_grad)


def as_tensor(data, dtype=None) -> Tensor:
    """``data`` as a Tensor, sharing memory with an ndarray when the dtype allows."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == as_dtype(dtype)):
        return data
    if isinstance(data, np.ndarray):
        return Tensor._make(np.asarray(data, dtype=None if dtype is None else as_dtype(dtype)))
    return tensor(data, dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects an ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def _filled(size, value, dtype, requires_grad) -> Tensor:
    dtype = float32 if dtype is None else as_dtype(dtype)
    return _finish(np.full(_sizes(size), value, dtype=dtype), requires_grad)


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 0, dtype, requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 1, dtype, requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uninitialised in PyTorch; zero-filled here (NumPy gives no cheaper safe option)."""
    return _filled(size, 0, dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    if dtype is None and isinstance(fill_value, bool | int):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    return _filled(
        (size,) if isinstance(size, int) else tuple(size), fill_value, dtype, requires_grad
    )


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _filled(t.shape, 0, t.dtype if dtype is None else dtype, requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _filled(t.shape, 1, t.dtype if dtype is None else dtype, requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return _filled(t.shape, fill_value, t.dtype if dtype is None else dtype, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (excluded); int64 for int arguments, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if dtype is None:
        ints = all(isinstance(v, int | np.integer) for v in (start, end, step))
        dtype = np.int64 if ints else float32
    return _finish(np.arange(start, end, step).astype(as_dtype(dtype)), requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    dtype = float32 if dtype is None else as_dtype(dtype)
    return _finish(np.linspace(start, end, steps, dtype=dtype), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.eye(n, m, dtype=float32 if dtype is None else as_dtype(dtype)), requires_grad)


def _random_float(draw, size, dtype, requires_grad) -> Tensor:
    dtype = float32 if dtype is None else as_dtype(dtype)
    check_float(dtype, "rand/randn")
    return _finish(draw(_sizes(size), dtype=dtype), requires_grad)


def rand(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform draws in [0, 1) from the generator ``manual_seed`` seeds."""
    return _random_float(_generator.random, size, dtype, requires_grad)


def randn(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws from the generator ``manual_seed`` seeds."""
    return _random_float(_generator.standard_normal, size, dtype, requires_grad)


def randint(low: int, high: int | None = None, size: tuple = (), dtype=None) -> Tensor:
    """Integers in [low, high) (or [0, low) when ``high`` is None), int64 by default."""
    if high is None:
        low, high = 0, low
    data = _generator.integers(low, high, size=tuple(size))
    return Tensor._make(np.asarray(data, dtype=np.int64 if dtype is None else as_dtype(dtype)))


def randperm(n: int) -> Tensor:
    return Tensor._make(_generator.permutation(n).astype(np.int64))
