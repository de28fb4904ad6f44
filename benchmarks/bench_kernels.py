"""LeNet-5's convolutions and pools, forward + backward at batch 64, against PyTorch CPU.

    python benchmarks/bench_kernels.py [--batch 64] [--repeats 20] [--json PATH]

Each op is timed as one forward and one backward (a fresh graph every time), float32, in one
process, with tensorgrad's thread policy (``tensorgrad.kernels.config``; set
``TENSORGRAD_NUM_THREADS`` to change it). PyTorch runs with its default threads and with 1
thread, and the faster of the two is the baseline (on a busy 2-core machine PyTorch's own
threads can cost it more than they gain). conv1 is LeNet's first layer: its input needs no
gradient, so neither library computes one. The 'relu+pool' rows compare tensorgrad's fused
``max_pool2d(relu=True)`` with PyTorch's ``max_pool2d(relu(x))``, which is what LeNet-5 runs.

The contenders take turns round by round (so that a busy machine slows them alike); the table
gives the median and the minimum over the rounds. ``ratio`` is PyTorch's time over
tensorgrad's: above 1 means tensorgrad is faster.
"""

import argparse
import statistics
import time

import numpy as np
from common import environment, print_table, try_import_torch, write_json

import tensorgrad as tg
from tensorgrad.kernels import config
from tensorgrad.nn.conv_pool import conv2d, max_pool2d


def cases(batch: int) -> list[dict]:
    """LeNet-5's layers: conv1 1->6 5x5 pad 2 on 28x28, pool, conv2 6->16 5x5 on 14x14, pool."""
    return [
        {"op": "conv1", "kind": "conv", "x": (batch, 1, 28, 28), "w": (6, 1, 5, 5), "pad": 2,
         "input_grad": False},
        {"op": "pool1", "kind": "pool", "x": (batch, 6, 28, 28)},
        {"op": "conv2", "kind": "conv", "x": (batch, 6, 14, 14), "w": (16, 6, 5, 5), "pad": 0,
         "input_grad": True},
        {"op": "pool2", "kind": "pool", "x": (batch, 16, 10, 10)},
        {"op": "relu+pool1", "kind": "relu_pool", "x": (batch, 6, 28, 28)},
        {"op": "relu+pool2", "kind": "relu_pool", "x": (batch, 16, 10, 10)},
    ]  # fmt: skip


def conv_flops(case: dict) -> float:
    """Multiply-adds x 2 of forward + weight gradient (+ input gradient when needed)."""
    n, c, h, w = case["x"]
    co, _, kh, kw = case["w"]
    oh, ow = h + 2 * case["pad"] - kh + 1, w + 2 * case["pad"] - kw + 1
    one = 2.0 * n * co * oh * ow * c * kh * kw
    return one * (3 if case["input_grad"] else 2)


def _step_tensorgrad(case: dict, rng):
    x = tg.tensor(rng.standard_normal(case["x"]).astype(np.float32),
                  requires_grad=case.get("input_grad", True))  # fmt: skip
    if case["kind"] == "conv":
        w = tg.tensor(rng.standard_normal(case["w"]).astype(np.float32), requires_grad=True)
        b = tg.zeros(case["w"][0], requires_grad=True)
        forward = lambda: conv2d(x, w, b, padding=case["pad"])
    else:
        forward = lambda: max_pool2d(x, 2, relu=case["kind"] == "relu_pool")
    g = tg.tensor(np.ones(forward().shape, np.float32))
    return lambda: forward().backward(g)


def _step_torch(torch, case: dict, rng):
    F = torch.nn.functional
    x = torch.tensor(rng.standard_normal(case["x"]).astype(np.float32),
                     requires_grad=case.get("input_grad", True))  # fmt: skip
    if case["kind"] == "conv":
        w = torch.tensor(rng.standard_normal(case["w"]).astype(np.float32), requires_grad=True)
        b = torch.zeros(case["w"][0], requires_grad=True)
        forward = lambda: F.conv2d(x, w, b, padding=case["pad"])
    elif case["kind"] == "pool":
        forward = lambda: F.max_pool2d(x, 2)
    else:
        forward = lambda: F.max_pool2d(F.relu(x), 2)
    g = torch.ones(forward().shape)
    return lambda: forward().backward(g)


def _interleaved(steps: dict, rounds: int, number: int = 5) -> dict:
    """Per contender, the median and the minimum over ``rounds`` of the mean time of ``number``
    steps, the contenders taking turns round by round so that they meet the same machine load."""
    for step in steps.values():
        for _ in range(3):
            step()
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(number):
                step()
            times[name].append((time.perf_counter() - start) / number)
    return {name: (statistics.median(t), min(t)) for name, t in times.items()}


def _torch_step_at(torch, threads: int, step):
    def run():
        torch.set_num_threads(threads)
        step()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20, help="rounds per contender")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    torch = try_import_torch()
    rng = np.random.default_rng(0)
    default_threads = torch.get_num_threads() if torch is not None else None
    rows = []
    for case in cases(args.batch):
        steps = {"tensorgrad": _step_tensorgrad(case, rng)}
        if torch is not None:
            step = _step_torch(torch, case, rng)
            steps["torch_default"] = _torch_step_at(torch, default_threads, step)
            if default_threads != 1:
                steps["torch_1thread"] = _torch_step_at(torch, 1, step)
        measured = _interleaved(steps, args.repeats)
        if torch is not None:
            torch.set_num_threads(default_threads)
        row = {"op": case["op"]}
        for name, (median, best) in measured.items():
            row[f"{name}_ms"], row[f"{name}_min_ms"] = median * 1e3, best * 1e3
        if torch is not None:
            # the baseline: PyTorch at whichever thread count was faster here
            torch_names = [n for n in measured if n.startswith("torch")]
            row["torch_ms"] = min(row[f"{n}_ms"] for n in torch_names)
            row["torch_min_ms"] = min(row[f"{n}_min_ms"] for n in torch_names)
            row["ratio"] = row["torch_ms"] / row["tensorgrad_ms"]
            row["ratio_min"] = row["torch_min_ms"] / row["tensorgrad_min_ms"]
        if case["kind"] == "conv":
            row["tensorgrad_GFLOP/s"] = conv_flops(case) / row["tensorgrad_min_ms"] / 1e6
            if torch is not None:
                row["torch_GFLOP/s"] = conv_flops(case) / row["torch_min_ms"] / 1e6
        rows.append(row)
    keys = [k for k in rows[0] if k.endswith("_ms")]
    for label, names in (
        ("four ops (conv1, pool1, conv2, pool2)", ("conv1", "pool1", "conv2", "pool2")),
        ("LeNet-5 (conv1, relu+pool1, conv2, relu+pool2)",
         ("conv1", "relu+pool1", "conv2", "relu+pool2")),
    ):  # fmt: skip
        total = {"op": label}
        for key in keys:
            total[key] = sum(r[key] for r in rows if r["op"] in names)
        if "torch_ms" in total:
            total["ratio"] = total["torch_ms"] / total["tensorgrad_ms"]
            total["ratio_min"] = total["torch_min_ms"] / total["tensorgrad_min_ms"]
        rows.append(total)
    policy = config.thread_policy()
    env = environment(threads=policy["kernels"])
    env["tensorgrad_threads"] = policy
    env["torch_default_threads"] = default_threads
    print(f"batch {args.batch}, float32, forward + backward, {args.repeats} interleaved rounds "
          f"(median / min); {env}")  # fmt: skip
    columns = ["op", "tensorgrad_ms", "tensorgrad_min_ms", "torch_default_ms",
               "torch_1thread_ms", "torch_ms", "torch_min_ms", "tensorgrad_GFLOP/s",
               "torch_GFLOP/s", "ratio", "ratio_min"]  # fmt: skip
    print_table(rows, columns)
    write_json(args.json, {"environment": env, "batch": args.batch, "rows": rows})


if __name__ == "__main__":
    main()
