"""NumPy's own BLAS GEMM, called from a kernel (no GIL, no Python in between).

``np.matmul`` of two float matrices calls its bundled BLAS's ``cblas_?gemm``; a kernel that
makes the same call with the same arguments gets the same numbers bit for bit. The address is
looked up at import in the BLAS library that NumPy's wheel ships (OpenBLAS with 64-bit ints:
``scipy_cblas_sgemm64_``); where there is none (another BLAS, 32-bit ints), ``GEMM`` is empty
and callers use ``np.matmul``. ``layout`` repeats NumPy's choice of transpose flag and leading
dimension for an operand, so a call here is the call ``np.matmul`` makes.
"""

import ctypes
import os

import numpy as np
from llvmlite import ir
from numba import carray, types
from numba.extending import intrinsic

from .config import njit

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112
_SYMBOLS = {"f4": ("scipy_cblas_sgemm64_", "cblas_sgemm64_"),
            "f8": ("scipy_cblas_dgemm64_", "cblas_dgemm64_")}  # fmt: skip
GEMM_ARGS = 11  # call_gemm's fields
_MAX_INT = 2**31 - 1  # NumPy's own BLAS limit for 32-bit builds; plenty here


def _numpy_blas_library() -> str | None:
    """The path of the OpenBLAS that NumPy's wheel bundles, if this NumPy has one loaded."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    site = os.path.dirname(os.path.dirname(os.path.abspath(np.__file__)))
    for lib in threadpool_info():
        path = os.path.abspath(lib.get("filepath") or "")
        try:
            where = os.path.relpath(path, site).split(os.sep)[0]  # numpy.libs, numpy/.dylibs
        except ValueError:  # another drive (Windows)
            continue
        if (
            lib.get("internal_api") == "openblas"
            and os.path.basename(path).startswith("libscipy_openblas64")
            and where in ("numpy", "numpy.libs")
        ):
            return path
    return None


def _addresses() -> dict:
    """``{dtype char code: address of cblas_?gemm}`` for NumPy's float32 and float64 GEMM."""
    path = _numpy_blas_library()
    if path is None:
        return {}
    library, found = ctypes.CDLL(path), {}
    for code, names in _SYMBOLS.items():
        for name in names:
            fn = getattr(library, name, None)
            if fn is not None:
                found[code] = ctypes.cast(fn, ctypes.c_void_p).value
                break
    return found


GEMM = _addresses()


@njit(cache=True, nogil=True)
def layout(a):
    """``(transpose flag, leading dimension)`` with which ``np.matmul`` passes the 2-D float
    ``a`` to BLAS (row-major: rows of unit-stride elements, else columns); the flag 0 where it
    would not call BLAS with it as is."""
    size = a.itemsize
    (rows, cols), (s0, s1) = a.shape, a.strides
    if s1 == size and s0 % size == 0 and cols <= s0 // size <= _MAX_INT:
        return NO_TRANS, s0 // size
    if s0 == size and s1 % size == 0 and rows <= s1 // size <= _MAX_INT:
        return TRANS, s1 // size
    return 0, 0


@intrinsic
def call_gemm(typingctx, address, double, args):
    """``cblas_?gemm(RowMajor, ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)`` at ``address``
    (``double`` nonzero: dgemm, else sgemm); ``args`` an int64 array ``[ta, tb, m, n, k, a,
    lda, b, ldb, c, ldc]``, the pointers as integers."""

    def codegen(context, builder, signature, call_args):
        address, double, fields = call_args
        array = context.make_array(signature.args[2])(context, builder, fields)
        i64 = ir.IntType(64)
        fields = [builder.gep(array.data, [ir.Constant(i64, j)]) for j in range(GEMM_ARGS)]
        values = [builder.load(field) for field in fields]
        is_double = builder.icmp_unsigned("!=", double, ir.Constant(double.type, 0))
        with builder.if_else(is_double) as (then_double, otherwise):
            with then_double:
                _call(builder, address, ir.DoubleType(), values)
            with otherwise:
                _call(builder, address, ir.FloatType(), values)
        return context.get_dummy_value()

    return types.none(address, double, args), codegen


def _call(builder, address, real, values):
    i32, i64, pointer = ir.IntType(32), ir.IntType(64), ir.IntType(8).as_pointer()
    ta, tb, m, n, k, a, lda, b, ldb, c, ldc = values
    signature = ir.FunctionType(ir.VoidType(), [i32, i32, i32, i64, i64, i64, real, pointer,
                                                i64, pointer, i64, real, pointer, i64])  # fmt: skip
    fn = builder.inttoptr(address, signature.as_pointer())
    a, b, c = (builder.inttoptr(p, pointer) for p in (a, b, c))
    ta, tb = builder.trunc(ta, i32), builder.trunc(tb, i32)
    one, zero = ir.Constant(real, 1.0), ir.Constant(real, 0.0)
    order = ir.Constant(i32, ROW_MAJOR)
    builder.call(fn, [order, ta, tb, m, n, k, one, a, lda, b, ldb, zero, c, ldc])


@njit(cache=True, nogil=True)
def matmul_into(address, double, args, a, b, c):
    """``c = a @ b`` for 2-D views whose every dimension is at least 2, ``a`` and ``b`` rows or
    columns of unit-stride elements (a transposed view passes as such), ``c`` rows: the GEMM
    ``np.matmul`` calls for them (``args``: a ``GEMM_ARGS`` int64 scratch array)."""
    size = c.itemsize
    (args[0], args[6]), (args[1], args[8]) = layout(a), layout(b)
    args[2], args[3], args[4] = a.shape[0], b.shape[1], a.shape[1]
    args[5], args[7], args[9] = a.ctypes.data, b.ctypes.data, c.ctypes.data
    args[10] = c.strides[0] // size
    call_gemm(address, double, args)


@intrinsic
def _pointer_at(typingctx, address, zero):
    """A pointer to numbers of ``zero``'s type at the integer ``address``."""

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

    return types.CPointer(zero)(types.int64, zero), codegen


@njit(cache=True, nogil=True)
def _add_rows(c, bias, m, n, ldc):
    for r in range(m):
        row = c[r * ldc : r * ldc + n]  # a view from 0: the loop vectorises
        for j in range(n):
            row[j] += bias[j]


@njit(cache=True, nogil=True)
def add_bias(address, double, args):
    """``c[r, :n] += bias`` for every row of a ``call_gemm`` output (``args`` as there; the
    bias's ``n`` numbers at ``address``, of the GEMM's dtype): ``out += bias`` in NumPy, while
    the block is still in this core's cache."""
    m, n, c, ldc = args[2], args[3], args[9], args[10]
    if m == 0 or n == 0:
        return
    size = (m - 1) * ldc + n
    if double:
        out = carray(_pointer_at(c, np.float64(0.0)), size)
        _add_rows(out, carray(_pointer_at(address, np.float64(0.0)), n), m, n, ldc)
    else:
        out32 = carray(_pointer_at(c, np.float32(0.0)), size)
        _add_rows(out32, carray(_pointer_at(address, np.float32(0.0)), n), m, n, ldc)
