"""JIT flags and thread policy for every kernel, in one place.

Thread policy (measured on 2 cores: OpenBLAS and Numba both spinning 2 threads made a training
step 3.5x slower than pinning one of them to 1 thread):

- ``TENSORGRAD_NUM_THREADS`` threads (default: all cores) run the kernels: Numba's parallel
  kernels (strided im2col) use that many, and the op layer splits a big enough batch into that
  many slices, each on its own Python thread running serial ``nogil`` kernels
  (``tensorgrad.ops.batch_threads``).
- BLAS is limited to 1 thread (``TENSORGRAD_BLAS_THREADS`` overrides it): the GEMMs left
  (linear layers, strided convolutions) are small, and measured on a busy 2-core machine,
  OpenBLAS with 2 threads made the LeNet kernel benchmark 20x slower.
- The threading layer is Numba's ``forksafe`` choice (TBB when installed, else ``workqueue``):
  the default ``omp`` layer (GNU OpenMP) deadlocks in a child forked after a parallel region,
  which is what a multi-process DataLoader does. ``workqueue`` is not thread-safe: parallel
  kernels must not run from several Python threads at once (the batch-split threads run only
  serial kernels). ``NUMBA_THREADING_LAYER`` still wins when set.

The thread count is set once, at import, and never read inside a kernel: calling
``numba.get_num_threads()`` in a ``cache=True`` function makes it uncacheable.

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
PARALLEL_JIT = {**JIT, "parallel": True}
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


def _configure() -> tuple[int, int]:
    if "NUMBA_THREADING_LAYER" not in os.environ:
        numba.config.THREADING_LAYER = "forksafe"
    threads = min(
        _env_int("TENSORGRAD_NUM_THREADS") or numba.config.NUMBA_NUM_THREADS,
        numba.config.NUMBA_NUM_THREADS,
    )
    numba.set_num_threads(threads)
    blas = _env_int("TENSORGRAD_BLAS_THREADS") or 1
    import numpy as np  # noqa: F401  (BLAS must be loaded for the limit to apply)
    from threadpoolctl import threadpool_limits

    threadpool_limits(blas, user_api="blas")
    return threads, blas


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


NUM_THREADS, BLAS_THREADS = _configure()
MALLOC_TUNED = _tune_malloc()


def thread_policy() -> dict:
    """The settings in force: ``{'numba': threads, 'blas': threads, 'layer': the requested
    threading layer, 'malloc_tuned': bool}``."""
    return {
        "numba": NUM_THREADS,
        "blas": BLAS_THREADS,
        "layer": numba.config.THREADING_LAYER,
        "malloc_tuned": MALLOC_TUNED,
    }
