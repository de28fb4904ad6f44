"""JIT flags and thread policy for every kernel, in one place.

Thread policy (measured on 2 cores: OpenBLAS and Numba both spinning 2 threads made a training
step 3.5x slower than pinning one of them to 1 thread):

- The kernels are serial: no ``parallel=True``, no Numba parallel regions (a test checks every
  kernel). Numba's threading layers are either not thread-safe (``workqueue`` aborts the process
  when two Python threads enter parallel regions at once) or not fork-safe (``omp``), and the
  cores are already used another way: the op layer splits a big enough batch into
  ``get_num_threads()`` slices, each run by a serial ``nogil`` kernel on its own Python thread
  (``tensorgrad.backends.batch_threads``). That pool is safe under concurrent callers, so any op may
  be called from several Python threads at once, and results do not depend on which thread
  ran which slice (the slices depend only on the batch and the thread count).
- ``TENSORGRAD_NUM_THREADS`` (default: the cores this process may run on) sets the kernel
  threads; ``set_threads(kernels=N)`` (or PyTorch's ``tg.set_num_threads(N)``) changes it later.
- BLAS is limited to 1 thread (``TENSORGRAD_BLAS_THREADS`` or ``set_threads(blas=N)``
  override it): the GEMMs left (linear layers, strided convolutions) are small, and measured on
  a busy 2-core machine, OpenBLAS with 2 threads made the LeNet kernel benchmark 20x slower.

A policy that gives the cores to BLAS for GEMM-heavy work (``set_threads(kernels=1, blas=2)``)
belongs here too: ``set_threads`` is the one switch, ``thread_policy()`` reports it.

Memory policy (Linux/glibc): a training step allocates and frees the same multi-megabyte
arrays (padded planes, wide rows, gradients) again and again. glibc serves them with fresh
``mmap`` pages and hands them back on ``free``, so every step pays thousands of page faults
(measured with the earlier im2col kernels: 2,310 per conv2 step, which made im2col 6 ms instead
of 1.7 ms). At import the mmap threshold is raised to glibc's maximum (32 MiB) and the trim
threshold to 512 MiB, so such arrays are reused from the heap. ``TENSORGRAD_MALLOC_TUNING=0``
leaves malloc alone.
"""

import ctypes
import os
import sys

import numba

# fastmath without nnan/ninf, for the arithmetic kernels (convolution, average pooling).
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
JIT = {"cache": True, "nogil": True, "fastmath": FASTMATH, "error_model": "numpy"}
# no fastmath at all where NaN/inf must be seen exactly (max pooling's NaN test): measured, even
# these flags let LLVM fold ``v - v`` to 0, and the exact kernel was faster (0.35 vs 0.62 ms).
EXACT_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}

njit = numba.njit


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a positive integer, got {value!r}") from None
    if n < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return n


def _available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # respects taskset and cgroup cpusets
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


_policy = {"kernels": 1, "blas": 1}


def set_threads(kernels: int | None = None, blas: int | None = None) -> None:
    """Set the kernel threads (the batch split) and/or the BLAS threads, process-wide.

    Ops that start afterwards use the new counts; results are bit-identical for the same
    counts (a batch is split by the count, not by who runs it).
    """
    for name, n in (("kernels", kernels), ("blas", blas)):
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
            raise ValueError(f"set_threads: {name} must be a positive integer, got {n!r}")
    if kernels is not None:
        _policy["kernels"] = kernels
    if blas is not None:
        import numpy as np  # noqa: F401  (BLAS must be loaded for the limit to apply)
        from threadpoolctl import threadpool_limits

        threadpool_limits(blas, user_api="blas")
        _policy["blas"] = blas


def set_num_threads(n: int) -> None:
    """PyTorch's name for ``set_threads(kernels=n)``: the threads the kernels use."""
    set_threads(kernels=n)


def get_num_threads() -> int:
    """The kernel threads: how many slices a big batch is split into (PyTorch's name)."""
    return _policy["kernels"]


def _tune_malloc() -> bool:
    """Keep large freed blocks in the heap (see the module docstring); True when applied."""
    if os.environ.get("TENSORGRAD_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith(
        "linux"
    ):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    mmap_ok = mallopt(m_mmap_threshold, 32 * 1024 * 1024)
    trim_ok = mallopt(m_trim_threshold, 512 * 1024 * 1024)
    return bool(mmap_ok and trim_ok)


set_threads(
    kernels=_env_int("TENSORGRAD_NUM_THREADS") or _available_cores(),
    blas=_env_int("TENSORGRAD_BLAS_THREADS") or 1,
)
MALLOC_TUNED = _tune_malloc()


def thread_policy() -> dict:
    """The settings in force: ``{'kernels': threads of the batch split, 'blas': BLAS threads,
    'malloc_tuned': bool}``."""
    return {**_policy, "malloc_tuned": MALLOC_TUNED}
