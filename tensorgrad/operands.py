"""How a Tensor meets its operands: Python scalars, arrays and other devices' tensors.

The rules of PyTorch: two tensors of different dtypes promote by ``dtypes.result_type``; a
Python scalar takes the tensor's dtype and device; an integer tensor meeting a float scalar, or
true division of two integers, computes in float32; a 0-d CPU tensor
joins the device of the other inputs, any other mix of devices is an error naming the op. Also
the ways ``Tensor.to`` and ``Module.to`` may be called. Reads ``tensor.Tensor`` at call time
(this module and ``tensor.py`` are one layer).
"""

import numpy as np

from . import tensor as _t
from .backends import backend_of, is_array
from .backends.device import device as Device
from .backends.device import device_types
from .dtypes import PYTHON_SCALARS, as_dtype, float32, result_type, scalar_array
from .ops import device as device_ops


def on_one_device(name: str, inputs: tuple) -> tuple:
    """The inputs on one device: 0-d CPU tensors join the others' device (PyTorch's rule for
    scalars); any other mix is an error naming the op and both devices."""
    devices = [t.device for t in inputs]
    others = [d for t, d in zip(inputs, devices) if not (d.type == "cpu" and t.ndim == 0)]
    target = others[0] if others else devices[0]
    for d in others:
        if d != target:
            raise RuntimeError(
                f"{name}: expected all tensors to be on the same device, but found at least "
                f"two devices, {target} and {d}"
            )
    return tuple(t if d == target else device_ops.TO_DEVICE(t, device=target)
                 for t, d in zip(inputs, devices))  # fmt: skip


def parse_to_args(args: tuple, kwargs: dict) -> tuple:
    """``(device or None, dtype or None, copy)`` from the ways ``Tensor.to`` may be called."""
    unknown = set(kwargs) - {"device", "dtype", "copy", "non_blocking"}
    if unknown:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(unknown)}")
    where, dtype = kwargs.get("device"), kwargs.get("dtype")
    if len(args) > 2:
        raise TypeError(f"to() takes at most 2 positional arguments, got {len(args)}")
    for arg in args:
        if isinstance(arg, _t.Tensor):
            where, dtype = arg.device, arg.dtype
        elif isinstance(arg, Device) or (isinstance(arg, int) and not isinstance(arg, bool)):
            where = arg
        elif isinstance(arg, str) and arg.partition(":")[0] in device_types():
            where = arg
        else:
            dtype = as_dtype(arg)
    return where, None if dtype is None else as_dtype(dtype), bool(kwargs.get("copy", False))


def coerce_pair(tensor, other, reflected: bool = False, true_divide: bool = False):
    """The two operands of a binary op as Tensors, ``tensor`` first unless ``reflected``.

    Python scalars take the tensor's dtype and device; an integer tensor meeting a float
    scalar, or true division of two integer tensors, computes in float32 (PyTorch's rules).
    """
    if isinstance(other, _t.Tensor):
        if other.dtype != tensor.dtype:
            dtype = result_type((tensor.dtype, tensor.ndim > 0), (other.dtype, other.ndim > 0))
            tensor, other = tensor.to(dtype), other.to(dtype)
    elif isinstance(other, PYTHON_SCALARS) or isinstance(other, np.generic):
        value = other.item() if isinstance(other, np.generic) else other
        host = scalar_array(value, tensor.dtype)
        if isinstance(tensor.data, np.ndarray):
            other = _t.Tensor._make(host)
        else:
            backend = backend_of(tensor.data)
            other = _t.Tensor._make(backend.xp.asarray(host.item(), dtype=host.dtype))
        if other.dtype != tensor.dtype and other.dtype.kind == "f":
            tensor = tensor.to(other.dtype)
    elif is_array(other):
        other = _t.Tensor._make(other)
    else:
        from .creation import tensor as make_tensor

        other = make_tensor(other, device=tensor.device)
    if true_divide and tensor.dtype.kind in "biu" and other.dtype.kind in "biu":
        tensor, other = tensor.to(float32), other.to(float32)
    return (other, tensor) if reflected else (tensor, other)
