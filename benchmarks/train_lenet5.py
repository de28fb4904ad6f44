"""LeNet-5 training and inference speed: tensorgrad against PyTorch eager CPU, same machine.

    python benchmarks/train_lenet5.py [--batch-sizes 64 256] [--steps 150] [--repeats 5]
                                      [--epochs 3] [--threads 2] [--json PATH]

Each framework runs in its own worker process (so thread pools and peak memory do not mix),
and the two take turns: every measurement (a repeat of ``--steps`` training steps, a real
epoch, an inference pass) runs on one framework and then the other, the order swapped each
round, so that a machine that speeds up or slows down mid-run (a shared VM does, by 20% within
minutes) affects both alike. Same model, SGD with momentum 0.9, cross-entropy, MNIST-shaped
batches held in memory; the median repeat gives images/s and the seconds one 60,000-image
epoch takes at that rate. Inference pushes 10,000 images through the model under no_grad in
batches of 1,000 (the fastest of ``--repeats``). Peak RSS is each worker's maximum resident
memory at the end. With ``--epochs N`` (default 3; 0 skips it) each worker also trains N real
epochs over the 60,000 MNIST training images (``tensorgrad.data.MNIST``, cached under
~/.cache/tensorgrad; shuffled, scaled to [0, 1], the same permutations for both frameworks):
``real_epoch_s`` is their median wall time, batch indexing included.

The physical limit: one LeNet-5 epoch is about 136 GFLOP (2.26 MFLOP per image forward +
backward); 2 cores peak near 64-72 GFLOP/s in large SGEMM, so nothing here goes below ~2 s/epoch.
"""

import argparse
import os
import resource
import sys
import tempfile
import time

import numpy as np
from common import Worker, environment, print_table, try_import_torch, write_json

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


class Session:
    """One framework's model, optimizer and data; each method times one measurement. The same
    code drives tensorgrad and torch (``lib``): only the model differs."""

    def __init__(self, lib, model, batch: int, path: str) -> None:
        self.lib, self.model, self.batch = lib, model, batch
        self.optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        images, labels = _data(batch * 8)
        self.batches = [
            (lib.from_numpy(images[i : i + batch]), lib.from_numpy(labels[i : i + batch]))
            for i in range(0, len(images), batch)
        ]
        self.test = lib.from_numpy(_data(TEST_IMAGES, 1)[0])
        self.path, self.mnist, self.epoch_rng = path, None, np.random.default_rng(0)

    def step(self, x, y) -> None:
        self.optimizer.zero_grad()
        loss = self.lib.nn.functional.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()

    def steps(self, n: int) -> float:
        """Seconds per step over ``n`` steps on the in-memory batches."""
        start = time.perf_counter()
        for k in range(n):
            self.step(*self.batches[k % len(self.batches)])
        return (time.perf_counter() - start) / n

    def epoch(self) -> float:
        """Seconds of one pass over the 60,000 MNIST images (the next shuffled order)."""
        if self.mnist is None:
            data = np.load(self.path)
            self.mnist = ((data["images"].astype(np.float32) / 255.0)[:, None],
                          data["labels"].astype(np.int64))  # fmt: skip
        images, labels = self.mnist
        order = self.epoch_rng.permutation(len(images))
        to_tensor = self.lib.from_numpy
        start = time.perf_counter()
        for i in range(0, len(order), self.batch):
            chosen = order[i : i + self.batch]
            self.step(to_tensor(images[chosen]), to_tensor(labels[chosen]))
        return time.perf_counter() - start

    def infer(self) -> float:
        """Seconds to push the 10,000 test-sized images through under no_grad."""
        start = time.perf_counter()
        with self.lib.no_grad():
            for i in range(0, TEST_IMAGES, 1000):
                self.model(self.test[i : i + 1000])
        return time.perf_counter() - start

    def peak_rss_mb(self) -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tensorgrad_session(batch: int, threads: int, path: str) -> Session:
    import tensorgrad as tg
    from tensorgrad.models.lenet5 import LeNet5

    tg.manual_seed(0)
    return Session(tg, LeNet5(), batch, path)


def torch_session(batch: int, threads: int, path: str) -> Session:
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip
    return Session(torch, model, batch, path)


def worker(args) -> None:
    """Serve one framework: read a command per line (``steps N``, ``epoch``, ``infer``,
    ``rss``), answer with one number per line."""
    make = tensorgrad_session if args.worker == "tensorgrad" else torch_session
    session = make(args.batch, args.threads, args.data)
    print("ready", flush=True)
    for line in sys.stdin:
        command, *rest = line.split()
        if command == "steps":
            value = session.steps(int(rest[0]))
        elif command == "epoch":
            value = session.epoch()
        elif command == "infer":
            value = session.infer()
        else:
            value = session.peak_rss_mb()
        print(value, flush=True)


def _take_turns(workers: list[Worker], command: str, rounds: int) -> dict[str, list[float]]:
    """``command`` on every worker, ``rounds`` times, the order reversed each round."""
    results = {w.framework: [] for w in workers}
    for r in range(rounds):
        for w in workers if r % 2 == 0 else workers[::-1]:
            results[w.framework].append(w.ask(command))
    return results


def measure(frameworks: list[str], batch: int, args) -> list[dict]:
    workers = [
        Worker(f, [sys.executable, __file__, "--worker", f, "--batch", str(batch), "--threads",
                   str(args.threads), "--data", args.data], args.threads)
        for f in frameworks
    ]  # fmt: skip
    try:
        _take_turns(workers, f"steps {args.steps}", 1)  # warm-up: JIT, caches, allocator
        steps = _take_turns(workers, f"steps {args.steps}", args.repeats)
        epochs = _take_turns(workers, "epoch", args.epochs)
        inference = _take_turns(workers, "infer", args.repeats)
        rss = {w.framework: w.ask("rss") for w in workers}
    finally:
        for w in workers:
            w.close()
    rows = []
    for f in frameworks:
        images_per_second = batch / float(np.median(steps[f]))
        rows.append({
            "framework": f,
            "batch": batch,
            "images_per_s": images_per_second,
            "epoch_s": EPOCH_IMAGES / images_per_second,
            "real_epoch_s": float(np.median(epochs[f])) if args.epochs else None,
            "inference_s": min(inference[f]),
            "peak_rss_mb": rss[f],
            "step_s_each": steps[f],  # every repeat and epoch, in the order they ran (JSON)
            "real_epoch_s_each": epochs[f],
        })  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--steps", type=int, default=150, help="training steps per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--epochs",
        type=int,
        default=3,
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
        measured = measure(frameworks, batch, args)
        rows.extend(measured)
        if len(measured) == 2:
            tg_row, torch_row = measured
            rows.append({
                "framework": "tensorgrad / torch", "batch": batch,
                "epoch_s": tg_row["epoch_s"] / torch_row["epoch_s"],
                "real_epoch_s": (tg_row["real_epoch_s"] / torch_row["real_epoch_s"]
                                 if args.epochs else None),
                "inference_s": tg_row["inference_s"] / torch_row["inference_s"],
                "peak_rss_mb": tg_row["peak_rss_mb"] / torch_row["peak_rss_mb"],
            })  # fmt: skip
    print(f"LeNet-5 training, SGD momentum 0.9, {args.threads} threads, frameworks taking "
          f"turns; median of {args.repeats} x {args.steps} steps (epoch_s = 60,000 images at "
          f"that rate; real_epoch_s = median of {args.epochs} real MNIST epochs)")  # fmt: skip
    print(f"load average (1 min) before: {load_before:.2f}, after: {os.getloadavg()[0]:.2f}")
    print_table(rows, ["framework", "batch", "images_per_s", "epoch_s", "real_epoch_s",
                       "inference_s", "peak_rss_mb"])  # fmt: skip
    load = {"before": load_before, "after": os.getloadavg()[0]}
    write_json(args.json, {"environment": environment(args.threads), "load_average": load,
                           "rows": rows})  # fmt: skip


if __name__ == "__main__":
    main()
