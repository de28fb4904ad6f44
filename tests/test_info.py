"""``tensorgrad info`` and ``--version``: every fact a bug report needs, read from this process."""

import json
import sys

import llvmlite
import numba
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.models import info
from tensorgrad.models.cli import main

FACTS = ["tensorgrad", "Python", "NumPy", "Numba", "llvmlite", "CPU", "vector ISA",
         "kernel threads", "threading layer", "BLAS", "JIT cache", "data folder",
         "CUDA"]  # fmt: skip


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"tensorgrad {tg.__version__}"


def test_info_json_holds_every_fact_of_this_process(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("TENSORGRAD_DATA", str(tmp_path))
    assert main(["info", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert list(facts) == FACTS
    assert facts["tensorgrad"].startswith(tg.__version__)
    assert facts["Python"].startswith(".".join(map(str, sys.version_info[:3])))
    assert (facts["NumPy"], facts["Numba"], facts["llvmlite"]) == (
        np.__version__, numba.__version__, llvmlite.__version__)  # fmt: skip
    assert facts["kernel threads"].split()[0] == str(tg.get_num_threads())
    assert facts["threading layer"].startswith(f"batch slices on {tg.get_num_threads()} ")
    assert "thread" in facts["BLAS"] or facts["BLAS"] == "none loaded"
    assert facts["data folder"].startswith(f"{tmp_path} (from TENSORGRAD_DATA=")
    assert "MNIST not downloaded yet (0/4 files)" in facts["data folder"]
    assert "kernels" in facts["JIT cache"] and "MiB" in facts["JIT cache"]


def test_info_text_is_one_aligned_line_per_fact(capsys):
    assert main(["info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line[: len(name)] for line, name in zip(lines, FACTS)] == FACTS
    column = len(max(FACTS, key=len)) + 2
    assert len(lines) == len(FACTS) and all(line[column - 2 : column] == "  " for line in lines)
    assert all(line[column] != " " for line in lines)


def test_vector_isa_names_the_widest_family(monkeypatch):
    import llvmlite.binding as llvm

    def host(*on):
        monkeypatch.setattr(llvm, "get_host_cpu_features", lambda: {f: True for f in on} | {"x": 0})

    host("avx2", "fma", "avx", "avx512f", "avx512bw")
    assert info.vector_isa() == "AVX-512 (avx512f avx512bw)"
    host("avx", "avx2", "fma", "sse4.2")
    assert info.vector_isa() == "AVX2 (avx2 fma)"
    host("neon")
    assert info.vector_isa() == "NEON (neon)"
    host()
    assert info.vector_isa() == "none found (scalar code)"


def test_cuda_line_says_whether_and_why(monkeypatch):
    line = info.cuda_status()
    if tg.cuda.is_available():
        assert line.startswith("available: ") and "GPU" in line
    else:
        assert line == f"not available: {tg.cuda.unavailable_reason()}"
    monkeypatch.setattr(tg.cuda, "is_available", lambda: False)
    monkeypatch.setattr(tg.cuda, "unavailable_reason", lambda: "CuPy is not installed")
    assert info.cuda_status() == "not available: CuPy is not installed"
