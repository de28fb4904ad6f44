"""LeNet-5 training and inference speed: tensorgrad against PyTorch eager CPU, same machine.

    python benchmarks/train_lenet5.py [--batch-sizes 64 256] [--steps 150] [--repeats 5]
                                      [--epochs 1] [--threads 2] [--json PATH]

Each framework runs in its own subprocess (so thread pools and peak memory do not mix), back to
back in one invocation, on the same MNIST-shaped data held in memory: SGD with momentum 0.9,
cross-entropy, the same model. A repeat times ``--steps`` training steps; the median repeat gives
images/s and the seconds one 60,000-image epoch takes at that rate. Inference pushes 10,000
images through the model under no_grad in batches of 1,000. Peak RSS is the process's maximum
resident memory after training. With ``--epochs N`` (default 1; 0 skips it) each worker also
trains N real epochs over the 60,000 MNIST training images (``tensorgrad.data.MNIST``, cached
under ~/.cache/tensorgrad; shuffled, scaled to [0, 1], the same permutation for both frameworks)
and reports the median wall time of an epoch, ``real_epoch_s``, data indexing included.

The physical limit: one LeNet-5 epoch is about 136 GFLOP (2.26 MFLOP per image forward +
backward); 2 cores peak near 64-72 GFLOP/s in large SGEMM, so nothing here goes below ~2 s/epoch.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
from common import environment, print_table, try_import_torch, write_json

EPOCH_IMAGES, TEST_IMAGES = 60_000, 10_000


def _data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.random((n, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, n).astype(np.int64)
    return images, labels


def _mnist_file() -> str:
    """The MNIST training split as one .npz file the workers load (written once, in /tmp)."""
    path = os.path.join(tempfile.gettempdir(), "tensorgrad_bench_mnist_train.npz")
    if not os.path.exists(path):
        from tensorgrad.data import MNIST

        train = MNIST(train=True, download=True)
        np.savez(path, images=train.data.numpy(), labels=train.targets.numpy())
    return path


def _real_epochs(step, to_tensor, batch: int, epochs: int, path: str) -> float | None:
    """Median seconds of ``epochs`` passes over the 60,000 MNIST images, batches cut from a
    shuffled float32 copy (the same permutation, seed 0, for both frameworks)."""
    if not epochs:
        return None
    data = np.load(path)
    images = (data["images"].astype(np.float32) / 255.0)[:, None]
    labels = data["labels"].astype(np.int64)
    rng = np.random.default_rng(0)
    times = []
    for _ in range(epochs):
        order = rng.permutation(len(images))
        start = time.perf_counter()
        for i in range(0, len(order), batch):
            chosen = order[i : i + batch]
            step(to_tensor(images[chosen]), to_tensor(labels[chosen]))
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _timed_steps(step, batches, steps: int, repeats: int) -> float:
    """Median seconds per step over ``repeats`` runs of ``steps`` steps (one warm-up run)."""
    results = []
    for r in range(repeats + 1):
        start = time.perf_counter()
        for k in range(steps):
            step(*batches[k % len(batches)])
        if r:  # the first run warms caches and JIT
            results.append((time.perf_counter() - start) / steps)
    return float(np.median(results))


def _measure(lib, model, batch: int, steps: int, repeats: int, epochs: int, path: str) -> dict:
    """Train and infer with ``lib`` (tensorgrad or torch): the same code runs on both."""
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images, labels = _data(batch * 8)
    batches = [(lib.from_numpy(images[i : i + batch]), lib.from_numpy(labels[i : i + batch]))
               for i in range(0, len(images), batch)]  # fmt: skip

    def step(x, y):
        optimizer.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()

    seconds = _timed_steps(step, batches, steps, repeats)
    test = lib.from_numpy(_data(TEST_IMAGES, 1)[0])

    def infer():
        with lib.no_grad():
            for i in range(0, TEST_IMAGES, 1000):
                model(test[i : i + 1000])

    infer()
    inference = min(_once(infer) for _ in range(repeats))
    epoch = _real_epochs(step, lib.from_numpy, batch, epochs, path)
    return {"step_seconds": seconds, "inference_seconds": inference, "real_epoch_seconds": epoch}


def run_tensorgrad(batch: int, steps: int, repeats: int, epochs: int, path: str) -> dict:
    import tensorgrad as tg
    from models.lenet5 import LeNet5

    tg.manual_seed(0)
    return _measure(tg, LeNet5(), batch, steps, repeats, epochs, path)


def run_torch(batch: int, steps: int, repeats: int, threads: int, epochs: int, path: str) -> dict:
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip
    return _measure(torch, model, batch, steps, repeats, epochs, path)


def _once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def worker(args) -> None:
    """Measure one framework at one batch size; print one JSON line."""
    if args.worker == "tensorgrad":
        result = run_tensorgrad(args.batch, args.steps, args.repeats, args.epochs, args.data)
    else:
        result = run_torch(
            args.batch, args.steps, args.repeats, args.threads, args.epochs, args.data
        )
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(framework: str, batch: int, args) -> dict:
    env = dict(os.environ, TENSORGRAD_NUM_THREADS=str(args.threads))
    command = [sys.executable, __file__, "--worker", framework, "--batch", str(batch),
               "--steps", str(args.steps), "--repeats", str(args.repeats),
               "--threads", str(args.threads), "--epochs", str(args.epochs),
               "--data", args.data]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{framework} worker failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    images_per_second = batch / result["step_seconds"]
    return {
        "framework": framework,
        "batch": batch,
        "images_per_s": images_per_second,
        "epoch_s": EPOCH_IMAGES / images_per_second,
        "real_epoch_s": result["real_epoch_seconds"],
        "inference_s": result["inference_seconds"],
        "peak_rss_mb": result["peak_rss_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--steps", type=int, default=150, help="training steps per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--epochs",
        type=int,
        default=1,
        help="real MNIST epochs per framework and batch size (0: none)",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--worker", choices=["tensorgrad", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if args.epochs:
        args.data = _mnist_file()
    load_before = os.getloadavg()[0]
    frameworks = ["tensorgrad"] + (["torch"] if try_import_torch() else [])
    rows = []
    for batch in args.batch_sizes:
        measured = {f: measure(f, batch, args) for f in frameworks}
        rows.extend(measured.values())
        if "torch" in measured:
            tg_row, torch_row = measured["tensorgrad"], measured["torch"]
            rows.append({
                "framework": "tensorgrad / torch", "batch": batch,
                "epoch_s": tg_row["epoch_s"] / torch_row["epoch_s"],
                "real_epoch_s": (tg_row["real_epoch_s"] / torch_row["real_epoch_s"]
                                 if args.epochs else None),
                "inference_s": tg_row["inference_s"] / torch_row["inference_s"],
                "peak_rss_mb": tg_row["peak_rss_mb"] / torch_row["peak_rss_mb"],
            })  # fmt: skip
    print(f"LeNet-5 training, SGD momentum 0.9, {args.threads} threads, median of "
          f"{args.repeats} x {args.steps} steps (epoch_s = 60,000 images at that rate; "
          f"real_epoch_s = median of {args.epochs} real MNIST epochs)")  # fmt: skip
    print(f"load average (1 min) before: {load_before:.2f}, after: {os.getloadavg()[0]:.2f}")
    print_table(rows, ["framework", "batch", "images_per_s", "epoch_s", "real_epoch_s",
                       "inference_s", "peak_rss_mb"])  # fmt: skip
    load = {"before": load_before, "after": os.getloadavg()[0]}
    write_json(args.json, {"environment": environment(args.threads), "load_average": load,
                           "rows": rows})  # fmt: skip


if __name__ == "__main__":
    main()
