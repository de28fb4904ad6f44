"""NumPy's own vectorised ufunc loops (its SIMD ``tanh``), called from a kernel.

A Numba loop over ``math.tanh`` calls libm once per element, 50x slower than NumPy's
vectorised loop, and rounds differently. NumPy hands its inner loops to JIT compilers
(``ufunc._resolve_dtypes_and_context`` and ``ufunc._get_strided_loop``, NumPy >= 1.25): the
loop's address with the context and auxiliary data it takes. A kernel that calls it on
contiguous elements (``call_unary``) gets ``np.tanh``'s numbers without the GIL. Where the NumPy
at hand has no such interface, or the loop needs the Python API, ``unary_loop`` gives None and
callers use the ufunc itself.
"""

import ctypes

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_CAPSULE = b"numpy_1.24_ufunc_call_info"
_kept = []  # the capsules own the loops' context and auxiliary data


class _CallInfo(ctypes.Structure):
    _fields_ = [("loop", ctypes.c_void_p), ("context", ctypes.c_void_p),
                ("auxdata", ctypes.c_void_p), ("requires_pyapi", ctypes.c_bool),
                ("no_floatingpoint_errors", ctypes.c_bool)]  # fmt: skip


def _call_info(ufunc: np.ufunc, dtype: np.dtype):
    """The filled call-info capsule of ``ufunc``'s loop for contiguous ``dtype`` in and out."""
    resolved, capsule = ufunc._resolve_dtypes_and_context((dtype, dtype))
    if resolved != (dtype, dtype):
        return None
    ufunc._get_strided_loop(capsule, fixed_strides=(dtype.itemsize, dtype.itemsize))
    return capsule


def unary_loop(ufunc: np.ufunc, dtype) -> np.ndarray | None:
    """``[address, context, auxdata]`` (int64) of ``ufunc``'s inner loop for contiguous
    ``dtype`` elements, for ``call_unary``; None where NumPy does not give it out."""
    dtype = np.dtype(dtype)
    try:
        capsule = _call_info(ufunc, dtype)
    except (AttributeError, TypeError, ValueError):
        return None
    if capsule is None:
        return None
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    try:
        info = _CallInfo.from_address(get(capsule, _CAPSULE))
    except ValueError:  # another layout, named after another NumPy version
        return None
    if not info.loop or info.requires_pyapi:
        return None
    _kept.append(capsule)
    return np.array([info.loop, info.context or 0, info.auxdata or 0], np.int64)


@intrinsic
def call_unary(typingctx, loop, src, dst):
    """``dst = ufunc(src)`` for two contiguous 1-D arrays of ``src``'s size (``dst`` may be
    ``src``), by the loop ``unary_loop`` gave."""

    def codegen(context, builder, signature, args):
        i8p, i64 = ir.IntType(8).as_pointer(), ir.IntType(64)
        fields = context.make_array(signature.args[0])(context, builder, args[0])
        address, ctx, aux = (
            builder.load(builder.gep(fields.data, [ir.Constant(i64, j)])) for j in range(3)
        )
        source = context.make_array(signature.args[1])(context, builder, args[1])
        target = context.make_array(signature.args[2])(context, builder, args[2])
        data = cgutils.alloca_once(builder, i8p, size=2)
        builder.store(builder.bitcast(source.data, i8p), data)
        builder.store(builder.bitcast(target.data, i8p), builder.gep(data, [ir.Constant(i64, 1)]))
        count = cgutils.alloca_once(builder, i64)
        builder.store(source.nitems, count)
        steps = cgutils.alloca_once(builder, i64, size=2)
        itemsize = ir.Constant(i64, context.get_abi_sizeof(context.get_data_type(src.dtype)))
        builder.store(itemsize, steps)
        builder.store(itemsize, builder.gep(steps, [ir.Constant(i64, 1)]))
        fn_type = ir.FunctionType(
            ir.IntType(32), [i8p, i8p.as_pointer(), i64.as_pointer(), i64.as_pointer(), i8p]
        )
        fn = builder.inttoptr(address, fn_type.as_pointer())
        builder.call(fn, [builder.inttoptr(ctx, i8p), data, count, steps,
                          builder.inttoptr(aux, i8p)])  # fmt: skip
        return context.get_dummy_value()

    return types.none(loop, src, dst), codegen
