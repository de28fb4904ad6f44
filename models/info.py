"""``tensorgrad info``: what a bug report needs, one line per fact.

Versions (tensorgrad, Python, NumPy, Numba, llvmlite), the CPU and the vector ISA the JIT
compiles for, the threads the kernels and BLAS use, the JIT cache and data folders, and CUDA.
Every line is read from the running process, so the report says what a training run here
would get.
"""

import json
import os
import platform
import sys
from pathlib import Path


def report() -> dict[str, str]:
    """The facts, in the order they are printed."""
    import llvmlite
    import numba
    import numpy as np

    import tensorgrad
    from tensorgrad.kernels.config import thread_policy

    policy = thread_policy()
    return {
        "tensorgrad": f"{tensorgrad.__version__} ({Path(tensorgrad.__file__).parent})",
        "Python": f"{platform.python_version()} ({platform.python_implementation()}, "
        f"{platform.platform()})",
        "NumPy": np.__version__,
        "Numba": numba.__version__,
        "llvmlite": llvmlite.__version__,
        "CPU": f"{cpu_model()}, {os.cpu_count()} logical cores",
        "vector ISA": vector_isa(),
        "kernel threads": f"{policy['kernels']}{_env_note('TENSORGRAD_NUM_THREADS')}",
        "threading layer": threading_layer(policy["kernels"]),
        "BLAS": blas(),
        "JIT cache": jit_cache(),
        "data folder": data_folder(),
        "CUDA": cuda_status(),
    }


def run(args) -> int:
    facts = report()
    if args.json:
        print(json.dumps(facts, indent=2))
    else:
        width = max(map(len, facts))
        print("\n".join(f"{name:<{width}}  {value}" for name, value in facts.items()))
    return 0


def cpu_model() -> str:
    """The marketing name (``/proc/cpuinfo`` on Linux) and the CPU LLVM compiles for."""
    import llvmlite.binding as llvm

    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:  # not Linux
        pass
    return f"{name} (LLVM target: {llvm.get_host_cpu_name()})"


# the widest first: the first family the host has names the ISA, its members are listed
_VECTOR_FAMILIES = (
    ("AVX-512", ("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512vnni", "avx512bf16",
                 "avx512fp16")),
    ("AVX2", ("avx2", "fma")),
    ("AVX", ("avx",)),
    ("SSE4.2", ("sse4.2",)),
    ("SVE", ("sve", "sve2")),
    ("NEON", ("neon",)),
)  # fmt: skip


def vector_isa() -> str:
    """The widest vector extension of the host, as LLVM (so Numba's kernels) sees it."""
    import llvmlite.binding as llvm

    features = {name for name, on in llvm.get_host_cpu_features().items() if on}
    for family, members in _VECTOR_FAMILIES:
        if members[0] in features:
            present = [m for m in members if m in features]
            return f"{family} ({' '.join(present)})"
    return "none found (scalar code)"


def threading_layer(threads: int) -> str:
    """How the kernels use the cores: batch slices on Python threads running serial ``nogil``
    kernels (tensorgrad compiles no Numba parallel region, so Numba's layers never start)."""
    return f"batch slices on {threads} Python thread(s), serial nogil kernels (no Numba layer)"


def blas() -> str:
    """Each BLAS library loaded (threadpoolctl): name, version, threads, where it lives."""
    from threadpoolctl import threadpool_info

    libraries = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    if not libraries:
        return "none loaded"
    return "; ".join(
        f"{lib['internal_api']} {lib.get('version') or '(version unknown)'}, "
        f"{lib['num_threads']} thread{'s' * (lib['num_threads'] != 1)}"
        f"{_env_note('TENSORGRAD_BLAS_THREADS')} ({lib['filepath']})"
        for lib in libraries
    )


def jit_cache() -> str:
    """Where Numba keeps tensorgrad's compiled kernels, and how much is there."""
    folders = sorted({Path(path) for path in _cache_paths()})
    if not folders:
        return "none (no cached kernel is loaded)"
    files = [f for folder in folders if folder.is_dir() for f in folder.iterdir()
             if f.suffix in (".nbi", ".nbc")]  # fmt: skip
    size = sum(f.stat().st_size for f in files)
    where = ", ".join(map(str, folders))
    return f"{where} ({len(files)} files, {size / 2**20:.1f} MiB)"


def _cache_paths():
    from numba.core.dispatcher import Dispatcher

    for name, module in list(sys.modules.items()):
        if name.startswith("tensorgrad.") and module is not None:
            for value in vars(module).values():
                path = getattr(getattr(value, "_cache", None), "_cache_path", None)
                if isinstance(value, Dispatcher) and path:
                    yield path


def data_folder() -> str:
    """The MNIST cache folder and whether the data set is in it."""
    from tensorgrad.data import default_root
    from tensorgrad.data.mnist_sources import MD5, find_file

    root = default_root()
    found = [find_file(root / "MNIST" / "raw", name) for name in MD5]
    if all(found):
        size = sum(path.stat().st_size for path in found)
        state = f"MNIST cached, {size / 2**20:.1f} MiB"
    else:
        state = f"MNIST not downloaded yet ({sum(map(bool, found))}/{len(found)} files)"
    return f"{root}{_env_note('TENSORGRAD_DATA')} ({state})"


def cuda_status() -> str:
    """CUDA availability and, when unavailable, why."""
    import tensorgrad as tg

    if tg.cuda.is_available():
        names = tg.backends.backend_for("cuda").xp.cuda.runtime.getDeviceProperties(0)["name"]
        return f"available: {tg.cuda.device_count()} GPU(s), {names.decode()}"
    return f"not available: {tg.cuda.unavailable_reason()}"


def _env_note(name: str) -> str:
    value = os.environ.get(name)
    return f" (from {name}={value})" if value else ""
