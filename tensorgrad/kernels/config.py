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
  override it), and GEMMs use the cores through the same pool: a big product (a linear layer's
  forward and both gradients) is split into blocks of rows or columns, one one-thread BLAS
  call per kernel thread (``tensorgrad.backends.cpu_matmul``; float blocks are handed over
  without the GIL, ``kernels.gemm_handoff``); a strided convolution runs its GEMM on each
  batch slice. BLAS's own threads spin while they wait: measured on a 2-core machine, OpenBLAS
  with 2 threads made the LeNet kernel benchmark 20x slower whenever the other core was busy
  (and the MLP's step 7-10 ms -> 30-190 ms), where the pool's threads spin for ~2 ms at
  most (``batch_threads``), then wait on a lock.
  ``set_threads`` is the one switch, ``thread_policy()`` reports it.

Vector width: the kernels use the widest vectors the host has. On AVX-512 CPUs LLVM's tuning
for many of them (Intel's Skylake-X to Sapphire Rapids: ``prefer-256-bit``) keeps loops at 256
bits; at import the JIT's features become the host's plus ``-prefer-256-bit``, which gives
512-bit code (LeNet-5's step ~5% faster on an AVX-512 Xeon; AMD's Zen 4 gets 512-bit code
either way). Numba keys its cache index on the CPU name and these features
(``codegen.magic_tuple()``), so a cache built on one CPU, or with other features, is never
loaded on another: it compiles afresh. ``NUMBA_CPU_NAME`` or ``NUMBA_CPU_FEATURES`` set by the
user win (tensorgrad then leaves the features alone), which is also how the AVX2 code is
tested on an AVX-512 host.

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

import llvmlite.binding
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


def _widest_vectors() -> int:
    """Give the JIT the host's features plus ``-prefer-256-bit`` on an AVX-512 host (unless
    the user chose the CPU or its features); the vector bits the kernels may use: 512 with
    AVX-512 and that flag, 256 with AVX (LLVM may still pick 512 bits for some CPUs)."""
    user = numba.config.CPU_NAME is not None or numba.config.CPU_FEATURES is not None
    host = llvmlite.binding.get_host_cpu_features()
    if not user and host.get("avx512f"):
        numba.config.CPU_FEATURES = host.flatten() + ",-prefer-256-bit"
    # the codegen reads the features once, when it is made: make it now, with these
    from numba.core.registry import cpu_target

    features = set(cpu_target.target_context.codegen()._tm_features.split(","))
    if {"+avx512f", "-prefer-256-bit"} <= features:
        return 512
    return 256 if "+avx" in features else 128


VECTOR_BITS = _widest_vectors()

# LLVM vectorises a loop over several arrays only after runtime checks that they do not
# overlap, and by default gives up past 8 checks: a loop reading 8 arrays and writing 16 (the
# Winograd transforms) stayed scalar, 3.4x slower. The checks run once per loop, so the limit
# is raised for every kernel (process-wide: the options belong to LLVM, not to one function).
MEMORY_CHECKS = 512
for _option in ("runtime-memory-check-threshold", "vectorize-memory-check-threshold"):
    llvmlite.binding.set_option("tensorgrad", f"-{_option}={MEMORY_CHECKS}")


def thread_policy() -> dict:
    """The settings in force: ``{'kernels': threads of the batch split, 'blas': BLAS threads,
    'malloc_tuned': bool, 'vector_bits': the kernels' widest vectors}``."""
    return {**_policy, "malloc_tuned": MALLOC_TUNED, "vector_bits": VECTOR_BITS}
