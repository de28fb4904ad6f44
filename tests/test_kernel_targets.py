"""The kernels' vector width: the widest the host has, the AVX2 code still right on an AVX-512
host, and a JIT cache never handing one CPU's machine code to another."""

import os
import subprocess
import sys
from pathlib import Path

import llvmlite.binding as llvm
import numba
import numpy as np
import pytest

from tensorgrad.kernels import config

HOST = llvm.get_host_cpu_features()
ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not HOST.get("avx2"), reason="needs a host with AVX2")


def _avx2_cpu() -> dict:
    """The environment that makes Numba compile for an AVX2 CPU: Haswell, the host's features
    with every AVX-512 one turned off."""
    flags = [("-" if k.startswith("avx512") or not on else "+") + k for k, on in HOST.items()]
    return {"NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": ",".join(flags)}


def _run(args, cache_dir, **env) -> str:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES")
    }
    environment = {
        **clean, **env, "NUMBA_CACHE_DIR": str(cache_dir),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }  # fmt: skip
    script = Path(__file__).with_name("kernel_target_workload.py")
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          env=environment, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_an_avx512_host_compiles_512_bit_kernels():
    if (
        not HOST.get("avx512f")
        or os.environ.get("NUMBA_CPU_NAME")
        or os.environ.get("NUMBA_CPU_FEATURES")
    ):
        pytest.skip("needs an AVX-512 host and no CPU chosen by the environment")
    assert numba.config.CPU_FEATURES.endswith(",-prefer-256-bit")
    assert config.thread_policy()["vector_bits"] == 512


def test_avx2_kernels_give_the_hosts_numbers(tmp_path):
    from kernel_target_workload import results

    _run(["results", str(tmp_path / "avx2.npz")], tmp_path / "cache", **_avx2_cpu())
    avx2, here = np.load(tmp_path / "avx2.npz"), results()
    assert sorted(avx2.files) == sorted(here)
    for name, value in here.items():
        np.testing.assert_allclose(avx2[name], value, rtol=1e-4, atol=1e-4, err_msg=name)


def test_the_jit_cache_keeps_each_cpus_code_apart(tmp_path):
    # one cache folder, two CPUs: each compiles once, then finds its own code, never the other's
    cache = tmp_path / "cache"
    host_bits = "512" if HOST.get("avx512f") else "256"
    assert _run(["cache"], cache) == f"0 1 {host_bits}"
    assert _run(["cache"], cache, **_avx2_cpu()) == "0 1 256"
    assert _run(["cache"], cache, **_avx2_cpu()) == "1 0 256"
    assert _run(["cache"], cache) == f"1 0 {host_bits}"
