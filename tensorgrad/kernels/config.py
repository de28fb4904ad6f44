"""JIT flags and thread policy for every kernel, in one place.

Thread policy (measured on 2 cores: OpenBLAS and Numba both spinning 2 threads made a training
step 3.5x slower than pinning one of them to 1 thread):

- Numba's parallel kernels use ``TENSORGRAD_NUM_THREADS`` threads (default: all cores).
- BLAS is limited to 1 thread while Numba runs more than one (the conv GEMMs here are skinny and
  gain little from BLAS threads). ``TENSORGRAD_BLAS_THREADS`` overrides this.
- The threading layer is Numba's ``forksafe`` choice (TBB when installed, else ``workqueue``):
  the default ``omp`` layer (GNU OpenMP) deadlocks in a child forked after a parallel region,
  which is what a multi-process DataLoader does. ``workqueue`` is not thread-safe: do not call
  kernels from several Python threads at once. ``NUMBA_THREADING_LAYER`` still wins when set.

The thread count is set once, at import, and never read inside a kernel: calling
``numba.get_num_threads()`` in a ``cache=True`` function makes it uncacheable.
"""

import os

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


def _configure() -> tuple[int, int | None]:
    if "NUMBA_THREADING_LAYER" not in os.environ:
        numba.config.THREADING_LAYER = "forksafe"
    threads = min(
        _env_int("TENSORGRAD_NUM_THREADS") or numba.config.NUMBA_NUM_THREADS,
        numba.config.NUMBA_NUM_THREADS,
    )
    numba.set_num_threads(threads)
    blas = _env_int("TENSORGRAD_BLAS_THREADS")
    if blas is None and threads > 1:
        blas = 1
    if blas is not None:
        import numpy as np  # noqa: F401  (BLAS must be loaded for the limit to apply)
        from threadpoolctl import threadpool_limits

        threadpool_limits(blas, user_api="blas")
    return threads, blas


NUM_THREADS, BLAS_THREADS = _configure()


def thread_policy() -> dict:
    """The thread counts in force: ``{'numba': n, 'blas': n or None (library default),
    'layer': requested threading layer}``."""
    return {"numba": NUM_THREADS, "blas": BLAS_THREADS, "layer": numba.config.THREADING_LAYER}
