"""The suite on one thread, both frameworks in one process: CPU time per step and per inference.

    python benchmarks/suite_cpu_time.py [--models lenet5 reslenet mlp mnist_port] [--steps 10]
                                        [--rounds 6] [--json PATH]

On a shared machine wall-clock figures move with the neighbours (PyTorch's spinning threads
lose the most: its LeNet-5 step went from 9 to 230 ms under load), so this script measures what
another job barely changes: the CPU time the calling thread spends per training step and per
inference pass over the suite's test images (``time.thread_time``), with tensorgrad and PyTorch
at one thread each (kernel threads, BLAS and PyTorch's intra-op pool), in one process, taking
turns round by round on the same real MNIST batches (``suite.Session``). It does not replace
``suite.py`` (two threads, wall clock, a quiet machine): it is the figure to quote when the
machine is busy.
"""

import argparse
import math
import os
import statistics
import sys
import time

os.environ["TENSORGRAD_NUM_THREADS"] = "1"  # before tensorgrad is imported

from common import environment, print_table, try_import_torch, write_json  # noqa: E402
from suite import MODELS, Session, cpu  # noqa: E402
from train_lenet5 import _mnist_file  # noqa: E402


def measure(name: str, batch: int, libs: dict, steps: int, rounds: int, data: str) -> dict:
    sessions = {k: Session(lib, name, batch, data) for k, lib in libs.items()}
    for session in sessions.values():  # warm-up: compilation, allocator, caches
        session.steps(max(steps // 3, 1))
    cpu_ms = {k: [] for k in sessions}
    infer_ms = {k: [] for k in sessions}
    for r in range(rounds):
        for k in list(sessions) if r % 2 == 0 else list(sessions)[::-1]:
            start = time.thread_time()
            sessions[k].steps(steps)
            cpu_ms[k].append((time.thread_time() - start) / steps * 1e3)
            start = time.thread_time()
            sessions[k].infer()
            infer_ms[k].append((time.thread_time() - start) * 1e3)
    row = {"model": name, "batch": batch, "optimizer": MODELS[name][1]}
    for k in sessions:
        row[f"{k}_cpu_ms"] = statistics.median(cpu_ms[k])
        row[f"{k}_infer_ms"] = statistics.median(infer_ms[k])
    if "torch" in sessions:
        row["ratio"] = row["tensorgrad_cpu_ms"] / row["torch_cpu_ms"]
        row["infer_ratio"] = row["tensorgrad_infer_ms"] / row["torch_infer_ms"]
    row["cpu_ms"], row["all_infer_ms"] = cpu_ms, infer_ms
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()
    import tensorgrad

    libs = {"tensorgrad": tensorgrad}
    torch = try_import_torch()
    if torch is not None:
        torch.set_num_threads(1)
        libs["torch"] = torch
    data, load = _mnist_file(), os.getloadavg()[0]
    rows = [measure(m, b, libs, args.steps, args.rounds, data)
            for m in args.models for b in MODELS[m][0]]  # fmt: skip
    machine = cpu()
    print(f"CPU: {machine['name']}; vector ISA {machine['vector_isa']}; 1 thread each, one process")
    print(f"load average before {load:.2f}, after {os.getloadavg()[0]:.2f}; median of "
          f"{args.rounds} x {args.steps} steps, frameworks taking turns")  # fmt: skip
    columns = ["model", "batch", "optimizer", "tensorgrad_cpu_ms", "torch_cpu_ms", "ratio",
               "tensorgrad_infer_ms", "torch_infer_ms", "infer_ratio"]  # fmt: skip
    print_table(rows, columns)
    if "torch" in libs:
        ratios = [r[k] for r in rows for k in ("ratio", "infer_ratio")]
        print(f"geometric mean of the {len(ratios)} ratios: "
              f"{math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}")  # fmt: skip
    write_json(args.json, {"environment": environment(1), "cpu": machine, "rows": rows})


if __name__ == "__main__":
    sys.exit(main())
