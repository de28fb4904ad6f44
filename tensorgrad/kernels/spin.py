"""A short busy wait for the kernel threads, without the GIL.

A thread that blocks on a lock takes ~50 us to wake on a virtual machine (its idle vCPU is
halted), so the kernel threads (``tensorgrad.backends.batch_threads``) watch a counter for a
while first, as OpenMP's threads do. The wait is bounded in CPU cycles: a busy neighbour loses
at most that.
"""

import llvmlite.binding
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from .config import njit

_X86 = llvmlite.binding.get_process_triple().split("-")[0] in ("x86_64", "i386", "i686")


@intrinsic
def _load_relaxed(typingctx, counter):
    """``counter[0]`` (int64) read from memory each time: another thread writes it."""

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.load_atomic(array.data, ordering="monotonic", align=8)

    return types.int64(counter), codegen


@intrinsic
def _pause_and_clock(typingctx):
    """x86's ``pause`` (the spin-wait hint: it frees the core's pipeline for its sibling),
    then the CPU's cycle counter."""

    def codegen(context, builder, signature, args):
        if _X86:
            pause = ir.FunctionType(ir.VoidType(), [])
            pause_fn = cgutils.get_or_insert_function(builder.module, pause, "llvm.x86.sse2.pause")
            builder.call(pause_fn, [])
        clock = ir.FunctionType(ir.IntType(64), [])
        clock_fn = cgutils.get_or_insert_function(builder.module, clock, "llvm.readcyclecounter")
        return builder.call(clock_fn, [])

    return types.int64(), codegen


@njit(cache=True, nogil=True)
def wait_for_change(counter, seen, cycles, bump=None):
    """True once ``counter[0] != seen``; False after about ``cycles`` CPU cycles without.
    ``bump[0] += 1`` first when given: done here, the GIL is already released when another
    thread watching ``bump`` sees it, so that thread does not sleep waiting for the GIL."""
    if bump is not None:
        bump[0] += 1
    start = _pause_and_clock()
    for _ in range(cycles):  # bounded even where the cycle counter reads 0
        if _load_relaxed(counter) != seen:
            return True
        if _pause_and_clock() - start > cycles:
            return False
    return False


@njit(inline="always", nogil=True)
def announce(entered):
    """``entered[0] += 1`` where ``entered`` is given: a kernel's first act on a slice, which
    a caller waiting in ``wait_for_change`` reads as "this thread runs without the GIL now"."""
    if entered is not None:
        entered[0] += 1
