"""Run a serial kernel on slices of the batch, one slice per kernel thread.

Numba kernels compiled with ``nogil`` (and NumPy's BLAS calls) release the GIL, so Python
threads running them on disjoint slices of a batch keep both cores of a 2-core machine busy
without Numba's parallel regions: a plain thread pool waits on a lock (no spinning against
BLAS or a busy neighbour), and its hand-off costs tens of microseconds, which is why small
work stays on the caller's thread (``MIN_WORK``).

The pool has ``NUM_THREADS - 1`` workers (the caller runs the first slice itself) and is
created on first use. A forked child starts without it (the parent's threads do not exist
there) and makes its own when it needs one.
"""

import os
from concurrent.futures import ThreadPoolExecutor

from ..kernels.config import NUM_THREADS

# below this many multiply-adds per call (~0.2 ms of work), one thread beats the ~40 us hand-off
# (LeNet-5's convolutions at batch 64 do 8-21 million)
MIN_WORK = 2_000_000

_pool: ThreadPoolExecutor | None = None


def _forget_pool() -> None:
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def batch_slices(n: int, work: int) -> list[slice]:
    """Contiguous slices covering a batch of ``n``: one per kernel thread when ``work`` (about
    the multiply-adds of the whole call) is worth splitting, else one."""
    parts = min(NUM_THREADS, n) if work >= MIN_WORK else 1
    bounds = [n * k // parts for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def run_slices(fn, slices: list[slice]) -> list:
    """``[fn(s) for s in slices]``, the slices after the first on the pool's threads."""
    if len(slices) == 1:
        return [fn(slices[0])]
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max(NUM_THREADS - 1, 1), thread_name_prefix="tensorgrad-kernel")
    futures = [_pool.submit(fn, s) for s in slices[1:]]
    first = fn(slices[0])
    return [first, *(f.result() for f in futures)]
