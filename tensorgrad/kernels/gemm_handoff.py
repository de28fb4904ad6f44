"""Handing blocks of a GEMM to spinning kernel threads without the GIL.

A worker of ``tensorgrad.backends.batch_threads`` that sees a Python slice must take the GIL
to run it, and the caller holds the GIL until its own slice releases it: the worker starts
~50 us late, as long as half of a 128 x 128 x 512 product. A GEMM slice needs no Python: the
caller writes its arguments into a slot (a row of ``slots``) and posts it, the worker claims
it while it spins (``serve_while_waiting``) and calls BLAS from here (``cblas.call_gemm``),
and the caller, also without the GIL (``split_gemm``), runs its own block, runs every slot no
worker has claimed, and waits for the claimed ones. Each slot is claimed exactly once (a
compare-and-swap), by a worker or by its caller, so a caller never waits for a worker that is
not already running its block.

A slot: ``[state, address, double, ta, tb, m, n, k, a, lda, b, ldb, c, ldc, bias]``, the 11
after ``double`` being ``call_gemm``'s arguments; a nonzero ``bias`` is the address of ``n``
numbers added to every row of the block after its GEMM (``cblas.add_bias``).
"""

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .cblas import GEMM_ARGS, NO_TRANS, add_bias, call_gemm, layout
from .config import njit
from .spin import _load_relaxed, _pause_and_clock

FREE, POSTED, CLAIMED, DONE = 0, 1, 2, 3
STATE, ADDRESS, DOUBLE, ARGS = 0, 1, 2, 3
BIAS = ARGS + GEMM_ARGS
SLOT_FIELDS = BIAS + 1


def new_slots(count: int) -> np.ndarray:
    """``count`` free slots."""
    return np.zeros((count, SLOT_FIELDS), np.int64)


def _element(context, builder, array_type, array, index):
    data = context.make_array(array_type)(context, builder, array).data
    return builder.gep(data, [index])


def _state_pointer(context, builder, signature, args):
    """The address of ``slots[row, STATE]`` for an intrinsic called as ``(slots, row, ...)``."""
    row = args[1]
    offset = builder.mul(row, ir.Constant(row.type, SLOT_FIELDS))
    return _element(context, builder, signature.args[0], args[0], offset)


@intrinsic
def _claim(typingctx, slots, row, expected, new):
    """``slots[row, STATE]``: ``expected`` -> ``new`` atomically; True when it was
    ``expected``."""

    def codegen(context, builder, signature, args):
        pointer = _state_pointer(context, builder, signature, args)
        pair = builder.cmpxchg(pointer, args[2], args[3], "acq_rel", "acquire")
        return builder.extract_value(pair, 1)

    return types.boolean(slots, row, expected, new), codegen


@intrinsic
def _state(typingctx, slots, row):
    """``slots[row, STATE]``, read with acquire ordering (the block's output is visible)."""

    def codegen(context, builder, signature, args):
        pointer = _state_pointer(context, builder, signature, args)
        return builder.load_atomic(pointer, ordering="acquire", align=8)

    return types.int64(slots, row), codegen


@intrinsic
def _set_state(typingctx, slots, row, value):
    """``slots[row, STATE] = value`` with release ordering (the fields before it are
    visible)."""

    def codegen(context, builder, signature, args):
        pointer = _state_pointer(context, builder, signature, args)
        builder.store_atomic(args[2], pointer, ordering="release", align=8)
        return context.get_dummy_value()

    return types.none(slots, row, value), codegen


@intrinsic
def _add(typingctx, counter, value):
    """``counter[0] += value`` atomically."""

    def codegen(context, builder, signature, args):
        pointer = _element(context, builder, signature.args[0], args[0], ir.Constant(
            ir.IntType(64), 0))  # fmt: skip
        builder.atomic_rmw("add", pointer, args[1], "acq_rel")
        return context.get_dummy_value()

    return types.none(counter, value), codegen


@njit(cache=True, nogil=True)
def _gemm(slot):
    call_gemm(slot[ADDRESS], slot[DOUBLE], slot[ARGS:BIAS])
    if slot[BIAS] != 0:
        add_bias(slot[BIAS], slot[DOUBLE], slot[ARGS:BIAS])


@njit(cache=True, nogil=True)
def _run(slots, row):
    _gemm(slots[row])
    _set_state(slots, row, DONE)


@njit(cache=True, nogil=True)
def _run_a_posted(slots) -> bool:
    for row in range(slots.shape[0]):
        if _load_relaxed(slots[row]) == POSTED and _claim(slots, row, POSTED, CLAIMED):
            _run(slots, row)
            return True
    return False


@njit(cache=True, nogil=True)
def serve_while_waiting(counter, seen, cycles, bump, slots, spinning):
    """``spin.wait_for_change`` (True once ``counter[0] != seen``, False after ``cycles``
    cycles without; ``bump[0] += 1`` first), running the GEMM slots posted meanwhile; the wait
    starts again after each. ``spinning[0]`` counts the threads in here."""
    if bump is not None:
        bump[0] += 1
    _add(spinning, 1)
    changed, start, polls = False, _pause_and_clock(), 0
    while polls < cycles:  # bounded even where the cycle counter reads 0
        polls += 1
        if _load_relaxed(counter) != seen:
            changed = True
            break
        if _run_a_posted(slots):
            start, polls = _pause_and_clock(), 0
        elif _pause_and_clock() - start > cycles:
            break
    _add(spinning, -1)
    return changed


@njit(cache=True, nogil=True)
def split_gemm(slots, handed, own):
    """Post slots ``0 .. handed - 1`` (their fields written), run ``own`` (a slot's fields),
    then every posted slot still unclaimed, wait for the others, and free them all."""
    for row in range(handed):
        _set_state(slots, row, POSTED)
    _gemm(own)
    for row in range(handed):
        if _claim(slots, row, POSTED, CLAIMED):
            _run(slots, row)
    for row in range(handed):
        while _state(slots, row) != DONE:
            _pause_and_clock()
        _set_state(slots, row, FREE)


@njit(cache=True, nogil=True)
def fill_blocks(blocks, address, double, a, b, out, bias, bounds, by_columns) -> bool:
    """Each block's slot (``blocks[i]``, free, ``cblas.call_gemm`` at ``address``): ``out[s]
    = a[s] @ b``, or ``out[:, s] = a @ b[:, s]`` ``by_columns``, s = ``bounds[i]:bounds[i +
    1]``, the call ``np.matmul`` makes for it, then ``+= bias`` where ``bias`` is not empty.
    False where a block would not go to BLAS as is (``cblas.layout``), or its output not by
    rows."""
    for i in range(blocks.shape[0]):
        lo, hi, slot = bounds[i], bounds[i + 1], blocks[i]
        slot[STATE], slot[ADDRESS], slot[DOUBLE] = FREE, address, double
        if by_columns:
            x, y, z = a, b[:, lo:hi], out[:, lo:hi]
        else:
            x, y, z = a[lo:hi], b, out[lo:hi]
        (t_x, ld_x), (t_y, ld_y), (t_z, ld_z) = layout(x), layout(y), layout(z)
        if t_x == 0 or t_y == 0 or t_z != NO_TRANS:
            return False
        slot[ARGS], slot[ARGS + 1] = t_x, t_y
        slot[ARGS + 2], slot[ARGS + 3], slot[ARGS + 4] = x.shape[0], y.shape[1], x.shape[1]
        slot[ARGS + 5], slot[ARGS + 6] = x.ctypes.data, ld_x
        slot[ARGS + 7], slot[ARGS + 8] = y.ctypes.data, ld_y
        slot[ARGS + 9], slot[ARGS + 10] = z.ctypes.data, ld_z
        slot[BIAS] = 0
        if bias.size:
            slot[BIAS] = bias.ctypes.data + (lo * bias.itemsize if by_columns else 0)
    return True
