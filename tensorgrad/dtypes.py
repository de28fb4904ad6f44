"""Dtype rules: float32 by default, float64 kept where given, Python scalars never upcast."""

import builtins

import numpy as np

from .errors import GradDtypeError

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)
long = int64
int = int32  # noqa: A001 (PyTorch's aliases)
short = int16
float = float32  # noqa: A001
double = float64
half = float16

PYTHON_SCALARS = (builtins.bool, builtins.int, builtins.float)


def as_dtype(dtype) -> np.dtype:
    """A numpy dtype from a numpy dtype, a type, or a name such as ``'float32'``."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"not a dtype: {dtype!r}") from None


def check_float(dtype: np.dtype, what: str) -> None:
    """Only floating tensors can require grad (PyTorch's rule)."""
    if np.dtype(dtype).kind != "f":
        raise GradDtypeError(
            f"{what}: only Tensors of floating-point and complex dtype can require gradients, "
            f"got dtype {np.dtype(dtype)}"
        )


def scalar_array(value, like: np.dtype) -> np.ndarray:
    """A 0-d array for a Python scalar paired with a tensor of dtype ``like``.

    The scalar takes the tensor's dtype; a float scalar with an integer or bool tensor gives
    float32, as in PyTorch.
    """
    if like.kind in "fc":
        return np.asarray(value, dtype=like)
    if isinstance(value, builtins.float):
        return np.asarray(value, dtype=float32)
    if like.kind == "b" and not isinstance(value, bool):
        return np.asarray(value, dtype=int64)
    return np.asarray(value, dtype=like)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # bool < integer < floating < complex


def result_type(*operands: tuple) -> np.dtype:
    """PyTorch's type promotion for tensor operands given as ``(dtype, has_dims)``.

    The highest category (bool < integer < floating < complex) wins; among the operands of that
    category, dimensioned ones outrank 0-d ones, and the rest promote as usual (uint8 with int8
    gives int16). So int32 with a float32 0-d tensor gives float32 (NumPy: float64), float32
    with a float64 0-d tensor stays float32, and int64 with float16 gives float16. Python
    scalars are ``scalar_array``'s.
    """
    top = builtins.max(_CATEGORY[np.dtype(d).kind] for d, _ in operands)
    ranked = [(np.dtype(d), dims) for d, dims in operands if _CATEGORY[np.dtype(d).kind] == top]
    pool = [d for d, dims in ranked if dims] or [d for d, _ in ranked]
    out = pool[0]
    for d in pool[1:]:
        out = np.promote_types(out, d)
    return out


def can_cast(source: np.dtype, target: np.dtype) -> bool:
    """PyTorch's rule for writing a result into a tensor in place: no floating into integer,
    nothing but bool into bool, no complex into real (``x += 0.5`` on an int tensor fails)."""
    return _CATEGORY[np.dtype(source).kind] <= _CATEGORY[np.dtype(target).kind]
