"""Shared by the benchmark scripts: repeat-and-median timing, the machine's settings, JSON out."""

import json
import os
import platform
import statistics
import subprocess
import time
from datetime import date

import numpy as np


def median_seconds(fn, repeats: int = 5, number: int = 1, warmup: int = 1) -> float:
    """The median over ``repeats`` of the mean time of ``number`` calls (after ``warmup`` calls)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def try_import_torch():
    """PyTorch when installed (an optional comparison, never required), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def environment(threads: int | None = None) -> dict:
    """What the figures depend on: versions, cores and thread settings."""
    torch = try_import_torch()
    info = {
        "date": date.today().isoformat(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "torch": torch.__version__ if torch else None,
    }
    try:
        import numba

        info["numba"] = numba.__version__
    except ImportError:
        pass
    return info


def print_table(rows: list[dict], columns: list[str]) -> None:
    """A plain aligned text table of ``rows`` (dicts) with the given column order."""
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def compare_cases(names, measure, repeats: int, torch, label: str = "case"):
    """``measure(lib, name, repeats) -> {metric: ms}`` for each case on tensorgrad and (when
    installed) torch, the two taking turns; returns (table rows with ratios, results by case)."""
    import tensorgrad as tg

    rows, results = [], {}
    for i, name in enumerate(names):
        libs = [("tensorgrad", tg)] + ([("torch", torch)] if torch is not None else [])
        if i % 2:
            libs.reverse()  # take turns
        measured = {lib_name: measure(lib, name, repeats) for lib_name, lib in libs}
        results[name] = measured
        for lib_name in ("tensorgrad", "torch"):
            if lib_name in measured:
                rows.append({label: name, "library": lib_name, **measured[lib_name]})
        if "torch" in measured:
            ours, theirs = measured["tensorgrad"], measured["torch"]
            rows.append({label: name, "library": "tensorgrad / torch",
                         **{k: ours[k] / theirs[k] for k in ours}})  # fmt: skip
    return rows, results


class Worker:
    """A benchmark worker process for one framework, driven line by line: a command out, one
    number back (its ``command`` prints "ready" once its model is built)."""

    def __init__(self, framework: str, command: list[str], threads: int) -> None:
        env = dict(os.environ, TENSORGRAD_NUM_THREADS=str(threads))
        self.framework = framework
        self.process = subprocess.Popen(
            command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._read()  # "ready": imports and model built

    def _read(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{self.framework} worker failed (exit {self.process.wait()})")
        return line.strip()

    def ask(self, command: str) -> float:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return float(self._read())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def write_json(path: str | None, payload: dict) -> None:
    if path:
        with open(path, "w") as f:
            json.dump(payload, f, indent=2)
        print(f"wrote {path}")
