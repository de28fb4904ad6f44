"""The ported PyTorch MNIST script against PyTorch: the same file, its epochs timed.

    python benchmarks/port_epoch.py [--rounds 2] [--epochs 1] [--batches N] [--threads 2]
                                    [--json PATH]

Each round runs ``examples/pytorch_mnist.py`` once per framework, each in a fresh process, the
order swapped every round: tensorgrad as the file is written, PyTorch with each import line
replaced by the one its comment names (``import tensorgrad as torch  # import torch``). The
script's own ``train`` and ``test`` functions are timed (wall clock); the figures are the
medians over the rounds of the training seconds per epoch, the test seconds, and the last test
accuracy (the same seed gives the same accuracy every round).

torchvision does not install beside torch 2.13's CPU wheel here, so PyTorch's ``datasets.MNIST``
and ``transforms`` come from a stand-in that reads the same IDX files and applies ``ToTensor``
and ``Normalize`` per image with torch operations, as torchvision's do, but without PIL: it is
faster than torchvision's own pipeline, so the comparison favours PyTorch. ``--batches N`` cuts
each training epoch to its first N batches (a quick look; accuracy is then not comparable).
"""

import argparse
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
from common import environment, print_table, try_import_torch, write_json
from suite import cpu

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pytorch_mnist.py"
TENSORGRAD_IMPORT = re.compile(r"^(?:import|from) tensorgrad\b.*#\s*(?P<torch>.+)$")


def torch_source(source: str) -> str:
    """The example with every tensorgrad import line replaced by the PyTorch line its comment
    names; an import line without one is an error (the port's promise is imports only)."""
    lines = []
    for line in source.splitlines():
        if line.startswith(("import tensorgrad", "from tensorgrad")):
            match = TENSORGRAD_IMPORT.match(line)
            if match is None:
                raise ValueError(f"{EXAMPLE.name}: no PyTorch import named beside {line!r}")
            line = match["torch"].strip()
        lines.append(line)
    return "\n".join(lines) + "\n"


def _read_idx(path: Path, offset: int) -> np.ndarray:
    return np.frombuffer(path.read_bytes(), dtype=np.uint8, offset=offset)


def torchvision_stand_in(torch) -> types.ModuleType:
    """A ``torchvision`` module with ``datasets.MNIST`` (torchvision's arguments, read from
    ``root/MNIST/raw``) and ``transforms`` Compose, ToTensor and Normalize, per image."""

    class MNIST(torch.utils.data.Dataset):
        def __init__(self, root, train=True, transform=None, target_transform=None,
                     download=False):  # fmt: skip
            raw, prefix = Path(root) / "MNIST" / "raw", "train" if train else "t10k"
            self.data = _read_idx(raw / f"{prefix}-images-idx3-ubyte", 16).reshape(-1, 28, 28)
            self.targets = torch.from_numpy(
                _read_idx(raw / f"{prefix}-labels-idx1-ubyte", 8).astype(np.int64)
            )
            self.transform, self.target_transform = transform, target_transform

        def __len__(self):
            return len(self.targets)

        def __getitem__(self, i):
            image, target = self.data[i], int(self.targets[i])
            if self.transform is not None:
                image = self.transform(image)
            if self.target_transform is not None:
                target = self.target_transform(target)
            return image, target

    class Compose:
        def __init__(self, steps):
            self.steps = steps

        def __call__(self, x):
            for step in self.steps:
                x = step(x)
            return x

    class ToTensor:
        def __call__(self, image):
            return torch.from_numpy(np.array(image, dtype=np.float32)[None] / 255.0)

    class Normalize:
        def __init__(self, mean, std):
            self.mean = torch.tensor(mean).reshape(-1, 1, 1)
            self.std = torch.tensor(std).reshape(-1, 1, 1)

        def __call__(self, x):
            return (x - self.mean) / self.std

    module = types.ModuleType("torchvision")
    module.datasets = types.SimpleNamespace(MNIST=MNIST)
    module.transforms = types.SimpleNamespace(Compose=Compose, ToTensor=ToTensor,
                                              Normalize=Normalize)  # fmt: skip
    return module


class _FirstBatches:
    """A loader cut to its first ``n`` batches (``len`` and ``dataset`` as the loader's)."""

    def __init__(self, loader, n: int) -> None:
        self.loader, self.n, self.dataset = loader, n, loader.dataset

    def __iter__(self):
        return itertools.islice(iter(self.loader), self.n)

    def __len__(self):
        return min(self.n, len(self.loader))


def worker(args) -> None:
    """Run the script once with ``args.worker``'s imports; print its timings as one JSON line."""
    source = EXAMPLE.read_text()
    if args.worker == "torch":
        import torch

        torch.set_num_threads(args.threads)
        sys.modules["torchvision"] = torchvision_stand_in(torch)
        source = torch_source(source)
    else:
        import tensorgrad

        tensorgrad.set_num_threads(args.threads)
    script = types.ModuleType("pytorch_mnist")
    exec(compile(source, str(EXAMPLE), "exec"), script.__dict__)
    seconds = {"train": [], "test": []}

    def timed(name, fn):
        def run(*call_args):
            start = time.perf_counter()
            result = fn(*call_args)
            seconds[name].append(time.perf_counter() - start)
            return result

        return run

    script_train = script.train

    def train(run_args, model, device, loader, optimizer, epoch):
        if args.batches:
            loader = _FirstBatches(loader, args.batches)
        return script_train(run_args, model, device, loader, optimizer, epoch)

    script.train, script.test = timed("train", train), timed("test", script.test)
    start = time.perf_counter()
    accuracy = script.main(["--epochs", str(args.epochs), "--data", args.data, "--no-accel",
                            "--log-interval", "100"])  # fmt: skip
    print(json.dumps({"accuracy": accuracy, "total_s": time.perf_counter() - start, **seconds}))


def run_once(framework: str, args) -> dict:
    command = [sys.executable, __file__, "--worker", framework, "--epochs", str(args.epochs),
               "--batches", str(args.batches), "--threads", str(args.threads), "--data",
               args.data]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{framework} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batches", type=int, default=0, help="training batches per epoch "
                        "(0: the whole epoch)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--worker", choices=["tensorgrad", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--data", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    from tensorgrad.data import MNIST, default_root

    for train in (True, False):
        MNIST(train=train, download=True)
    args.data = str(default_root())
    frameworks = ["tensorgrad"] + (["torch"] if try_import_torch() else [])
    load_before = os.getloadavg()[0]
    runs = {f: [] for f in frameworks}
    for round_ in range(args.rounds):
        for framework in frameworks if round_ % 2 == 0 else frameworks[::-1]:
            runs[framework].append(run_once(framework, args))
            result = runs[framework][-1]
            print(f"round {round_ + 1} {framework}: train {sum(result['train']):.1f} s, "
                  f"accuracy {result['accuracy']:.4f}", flush=True)  # fmt: skip
    rows = []
    for framework, results in runs.items():
        rows.append({
            "framework": framework,
            "train_s_per_epoch": statistics.median(sum(r["train"]) / args.epochs for r in results),
            "test_s": statistics.median(sum(r["test"]) / args.epochs for r in results),
            "accuracy": results[-1]["accuracy"],
        })  # fmt: skip
    if len(rows) == 2:
        rows.append({"framework": "tensorgrad / torch",
                     **{k: rows[0][k] / rows[1][k] for k in ("train_s_per_epoch", "test_s")}})
    machine = cpu()
    print(f"CPU: {machine['name']}; vector ISA {machine['vector_isa']}; {args.threads} threads")
    print(f"load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}; median of "
          f"{args.rounds} rounds of {args.epochs} epoch(s), frameworks taking turns")  # fmt: skip
    print_table(rows, ["framework", "train_s_per_epoch", "test_s", "accuracy"])
    write_json(args.json, {"environment": environment(args.threads), "cpu": machine,
                           "load_average": [load_before, os.getloadavg()[0]],
                           "epochs": args.epochs, "batches": args.batches,
                           "rows": rows})  # fmt: skip


if __name__ == "__main__":
    main()
