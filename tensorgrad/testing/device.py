"""A test device that stands in for a GPU: arrays that live "elsewhere" and refuse NumPy.

``tg.device("test")`` (registered by importing this module) holds its data in ``StrictArray``
objects. Like CuPy's arrays they compute through their own array module (``STRICT_NUMPY``, a
view of NumPy that takes and gives strict arrays) and through operators, and refuse every
implicit conversion: ``np.asarray(a)``, a NumPy function or ufunc applied to one, an operator
or module call that mixes one with a host ndarray, a Numba kernel. Only ``Backend.from_host``
and ``to_host`` cross over. A test that runs code on this device therefore fails where the code
would make a silent host round trip or a NumPy call on GPU data. Convolution and pooling use
the same array-module primitives as the CUDA backend (``tensorgrad.backends.array_windows``).
"""

import functools
import types

import numpy as np

from .. import backends
from ..backends.array_backend import ArrayBackend
from ..backends.device import device

_HOST_MIX = (
    "a test-device array met a host ndarray; move data with Tensor.to(device) / .cpu() "
    "(on a GPU this is a device/host mix)"
)


def _unwrap(value):
    if type(value) is StrictArray:
        return value._a
    if isinstance(value, np.ndarray):
        raise TypeError(_HOST_MIX)
    if type(value) in (tuple, list):
        return type(value)(_unwrap(v) for v in value)
    if type(value) is dict:
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(value):
    if isinstance(value, np.ndarray):
        return StrictArray(value)
    if isinstance(value, np.generic):
        return StrictArray(np.asarray(value))  # reductions give 0-d arrays, as CuPy's do
    if type(value) in (tuple, list):
        return type(value)(_wrap(v) for v in value)
    return value


def _strict(fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        return _wrap(fn(*_unwrap(args), **_unwrap(kwargs)))

    return call


class StrictArray:
    """An array on the test device; see the module docstring."""

    __slots__ = ("_a",)
    __array_ufunc__ = None  # NumPy ufuncs refuse it; ndarray operators defer to its own

    def __init__(self, array: np.ndarray) -> None:
        self._a = array

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "implicit conversion of a test-device array to NumPy; use Tensor.cpu() (or the "
            "backend's to_host)"
        )

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(
            f"numpy.{func.__name__} called on a test-device array; compute with the inputs' "
            "array module (tensorgrad.backends.array_module)"
        )

    def __getattr__(self, name: str):
        if name.startswith("__"):  # no __array_interface__, __dlpack__, ...: no way to NumPy
            raise AttributeError(name)
        value = getattr(self._a, name)
        return _strict(value) if callable(value) else _wrap(value)

    def __getitem__(self, key):
        return _wrap(self._a[_unwrap(key)])

    def __setitem__(self, key, value) -> None:
        self._a[_unwrap(key)] = _unwrap(value)

    def __len__(self) -> int:
        return len(self._a)

    def __bool__(self) -> bool:
        return bool(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __index__(self) -> int:
        return self._a.__index__()

    def __repr__(self) -> str:
        return f"StrictArray({self._a!r})"


def _operator(name: str):
    method = getattr(np.ndarray, name)

    def apply(self, *others):
        return _wrap(method(self._a, *_unwrap(others)))

    apply.__name__ = name
    return apply


for _name in (
    "add sub mul truediv floordiv mod pow matmul and or xor lshift rshift".split()
):
    for _form in (f"__{_name}__", f"__r{_name}__", f"__i{_name}__"):
        if hasattr(np.ndarray, _form):
            setattr(StrictArray, _form, _operator(_form))
for _form in "__neg__ __pos__ __abs__ __invert__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__".split():
    setattr(StrictArray, _form, _operator(_form))
StrictArray.__hash__ = None


class StrictModule:
    """NumPy seen through strict arrays: ``STRICT_NUMPY.exp(a)`` takes and gives them."""

    def __init__(self, module: types.ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str):
        value = getattr(self._module, name)
        if isinstance(value, types.ModuleType):
            value = StrictModule(value)
        elif isinstance(value, np.ufunc):
            value = _StrictUfunc(value)
        elif callable(value) and not isinstance(value, type):
            value = _strict(value)
        setattr(self, name, value)  # looked up once
        return value


class _StrictUfunc:
    def __init__(self, ufunc: np.ufunc) -> None:
        self._ufunc = ufunc

    def __call__(self, *args, **kwargs):
        return _wrap(self._ufunc(*_unwrap(args), **_unwrap(kwargs)))

    def __getattr__(self, name: str):
        value = getattr(self._ufunc, name)
        return _strict(value) if callable(value) else value


STRICT_NUMPY = StrictModule(np)


class TestDeviceBackend(ArrayBackend):
    type = "test"
    xp = STRICT_NUMPY
    array_types = (StrictArray,)

    def from_host(self, array: np.ndarray, where: device) -> StrictArray:
        return StrictArray(np.array(array, copy=True))

    def to_host(self, array: StrictArray) -> np.ndarray:
        return array._a.copy()

    def errstate(self, **kinds):
        return np.errstate(**kinds)


TEST_BACKEND = TestDeviceBackend()
backends.register(TEST_BACKEND)
TEST_DEVICE = device("test")
