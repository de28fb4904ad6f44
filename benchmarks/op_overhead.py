"""Per-op fixed cost: microseconds for a 10-element add, against NumPy and PyTorch.

    python benchmarks/op_overhead.py [--json PATH]

Three cases: the forward alone on tensors that need no grad; the forward recorded for autograd;
and forward + backward. The arrays are tiny, so the time is the framework's own overhead.
"""

import argparse

import numpy as np
from common import environment, median_seconds, print_table, try_import_torch, write_json

import tensorgrad as tg

N_CALLS = 20_000


def _us(fn) -> float:
    return median_seconds(fn, repeats=7, number=N_CALLS) * 1e6


def measure(lib) -> dict:
    """The three cases for ``lib``, tensorgrad or torch: the same code runs on both."""
    a, b = lib.randn(10), lib.randn(10)
    ga, gb = lib.randn(10, requires_grad=True), lib.randn(10, requires_grad=True)
    seed = lib.ones(10)

    def forward_backward():
        (ga + gb).backward(seed)

    return {
        "forward": _us(lambda: a + b),
        "forward_recorded": _us(lambda: ga + gb),
        "forward_backward": _us(forward_backward),
    }


def measure_numpy() -> dict:
    a, b = np.random.randn(10).astype(np.float32), np.random.randn(10).astype(np.float32)
    return {"forward": _us(lambda: a + b)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()
    torch = try_import_torch()
    if torch is not None:
        torch.set_num_threads(1)
    results = {"tensorgrad": measure(tg), "numpy": measure_numpy()}
    if torch is not None:
        results["torch"] = measure(torch)
    rows = [{"library": name, **values} for name, values in results.items()]
    if torch is not None:
        ratios = {k: results["tensorgrad"][k] / v for k, v in results["torch"].items()}
        rows.append({"library": "tensorgrad / torch", **ratios})
    print("microseconds per 10-element add (median of 7 x 20,000 calls)")
    print_table(rows, ["library", "forward", "forward_recorded", "forward_backward"])
    write_json(args.json, {"environment": environment(1), "microseconds": results})


if __name__ == "__main__":
    main()
