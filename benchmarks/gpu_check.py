"""The GPU check: the op table and the layers on a device against the CPU, then LeNet-5 epochs
and residual-LeNet steps on that device, tensorgrad against PyTorch eager on the same GPU.

    python benchmarks/gpu_check.py                      # on CUDA; JSON to gpu_check.json
    python benchmarks/gpu_check.py --device test --quick   # the same code on the test device

On a GPU machine without network, point ``--data`` at a folder holding ``MNIST/raw/`` (copy
``~/.cache/tensorgrad`` over); without it the epochs run on random MNIST-shaped data and no
accuracy is reported. Times come from CUDA events on CUDA (host clock elsewhere); the data stay
on the device and nothing is read back inside a step, so each step is launches only.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from common import environment, print_table, try_import_torch, write_json

ROOT = Path(__file__).resolve().parents[1]


def _op_tests(device: str, quick: bool) -> dict:
    """The device test files run on ``device``: pass/fail counts and pytest's last line."""
    env = dict(os.environ, TENSORGRAD_TEST_DEVICE=device)
    files = ["tests/test_ops_on_device.py", "tests/test_layers_on_device.py"]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files]
    if quick:
        command += ["-k", "relu or linear or conv2d or max_pool"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    return {"returncode": done.returncode, "summary": last}


def _mnist(data: str | None, images: int):
    """(train images, labels, test images, labels) as arrays; random ones without MNIST."""
    try:
        from tensorgrad.data import MNIST

        train, test = (MNIST(root=data, train=t, download=False) for t in (True, False))
        scale = np.float32(1 / 255)
        return (train.data.numpy()[:images, None] * scale, train.targets.numpy()[:images],
                test.data.numpy()[:, None] * scale, test.targets.numpy(), True)  # fmt: skip
    except (FileNotFoundError, RuntimeError, OSError) as error:
        print(f"MNIST not found ({error}); timing on random data of MNIST's shape")
        rng = np.random.default_rng(0)
        x = rng.random((images, 1, 28, 28), dtype=np.float32)
        return x, rng.integers(0, 10, images), x[:1000], rng.integers(0, 10, 1000), False


class Clock:
    """Elapsed seconds on the device's own clock: CUDA events on a GPU, else the host's."""

    def __init__(self, framework: str, device: str) -> None:
        self.event = None
        if not device.startswith("cuda"):
            return
        if framework == "torch":
            import torch

            self.event = lambda: torch.cuda.Event(enable_timing=True)
            self.sync, self.elapsed_ms = torch.cuda.synchronize, lambda a, b: a.elapsed_time(b)
        else:
            import cupy

            self.event, self.elapsed_ms = cupy.cuda.Event, cupy.cuda.get_elapsed_time
            self.sync = cupy.cuda.Device().synchronize

    def time(self, fn) -> float:
        if self.event is None:
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start
        self.sync()
        start, end = self.event(), self.event()
        start.record()
        fn()
        end.record()
        end.synchronize()
        return self.elapsed_ms(start, end) / 1000


def _lenet(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def _reslenet(lib):
    if lib.__name__ == "torch":
        return None
    from tensorgrad.models.reslenet import ResLeNet

    return ResLeNet()


def _session(framework: str, device: str, make, data):
    """(lib, model, optimizer, train x, train y, test x, test y) with the data on the device."""
    if framework == "torch":
        import torch as lib
    else:
        import tensorgrad as lib
    lib.manual_seed(0)
    model = make(lib)
    if model is None:
        return None
    model = model.to(device)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y, tx, ty, _ = data
    put = (lambda a: lib.from_numpy(np.ascontiguousarray(a)).to(device))
    return lib, model, optimizer, put(x), put(y.astype(np.int64)), put(tx), put(ty.astype(np.int64))


def _epoch(session, batch: int, clock: Clock, steps: int | None) -> tuple[float, int]:
    lib, model, optimizer, x, y, *_ = session
    n = x.shape[0] if steps is None else min(x.shape[0], steps * batch)
    order = lib.randperm(x.shape[0], device=x.device)[:n]
    xs, ys = x[order], y[order]  # one gather on the device, then contiguous slices

    def run():
        for i in range(0, n, batch):
            optimizer.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(xs[i : i + batch]), ys[i : i + batch])
            loss.backward()
            optimizer.step()

    return clock.time(run), n


def _accuracy(session) -> float:
    lib, model, _, _, _, tx, ty = session
    model.eval()
    with lib.no_grad():
        hits = sum(int((model(tx[i : i + 1000]).argmax(1) == ty[i : i + 1000]).sum().item())
                   for i in range(0, tx.shape[0], 1000))  # fmt: skip
    model.train()
    return hits / tx.shape[0]


def _train_run(device: str, data: str | None, quick: bool) -> dict:
    """``tensorgrad train --device DEVICE`` (LeNet-5's default recipe): accuracy and seconds.
    The CLI knows no test device; a smoke run on it trains on the CPU."""
    import tempfile

    device = "cpu" if device == "test" else device
    folder = Path(tempfile.mkdtemp(prefix="gpu_check_run_"))
    command = [sys.executable, "-m", "tensorgrad.models", "train", "--device", device,
               "--out", str(folder / "run"), "--no-progress"]  # fmt: skip
    if data:
        command += ["--data-dir", data]
    if quick:
        command += ["--dataset", "synthetic", "--epochs", "1", "--limit", "512"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        return {"returncode": done.returncode, "error": done.stderr.strip()[-500:]}
    metrics = json.loads((folder / "run" / "metrics.json").read_text())
    return {"returncode": 0, "device": device, "test_accuracy": metrics.get("test_accuracy"),
            "train_seconds": sum(metrics.get("epoch_seconds", []))}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N, or test (CI smoke run)")
    parser.add_argument("--data", default=None, help="folder with MNIST/raw (default: the cache)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--quick", action="store_true", help="a few steps only (a smoke run)")
    parser.add_argument("--no-train", action="store_true", help="skip the training-CLI run")
    parser.add_argument("--json", default="gpu_check.json")
    args = parser.parse_args()

    import tensorgrad as tg

    if args.device == "test":
        import tensorgrad.testing.device  # noqa: F401  (registers the test device)
    elif not tg.cuda.is_available():
        sys.exit(f"gpu_check: CUDA is not available here: {tg.cuda.unavailable_reason()}")
    torch = try_import_torch()
    torch_ok = torch is not None and args.device.startswith("cuda") and torch.cuda.is_available()

    tests = _op_tests(args.device, args.quick)
    print(f"op table and layers on {args.device}: {tests['summary']}")
    data = _mnist(args.data, 2048 if args.quick else 60000)
    steps = 3 if args.quick else None
    rows = []
    for name, make in (("lenet5", _lenet), ("reslenet", _reslenet)):
        for batch in args.batch_sizes if name == "lenet5" else [128]:
            for framework in ["tensorgrad"] + (["torch"] if torch_ok else []):
                session = _session(framework, args.device, make, data)
                if session is None:
                    continue
                clock = Clock(framework, args.device)
                _epoch(session, batch, clock, 3)  # warm-up: compilation, allocator, cuBLAS
                seconds, images = _epoch(session, batch, clock, steps)
                rows.append({
                    "model": name, "framework": framework, "batch": batch, "images": images,
                    "seconds": seconds, "images_per_s": images / seconds,
                    "test_accuracy": _accuracy(session) if data[4] else None,
                })  # fmt: skip
    for name, batch in {(r["model"], r["batch"]) for r in rows}:
        pair = {r["framework"]: r for r in rows if (r["model"], r["batch"]) == (name, batch)}
        if "torch" in pair:
            ratio = pair["tensorgrad"]["seconds"] / pair["torch"]["seconds"]
            rows.append({"model": name, "framework": "tensorgrad / torch", "batch": batch,
                         "seconds": ratio})  # fmt: skip
    columns = ["model", "framework", "batch", "images", "seconds", "images_per_s", "test_accuracy"]
    print_table(rows, columns)
    train = None if args.no_train else _train_run(args.device, args.data, args.quick)
    print(f"tensorgrad train --device {args.device}: {train}")
    gpu = None
    if args.device.startswith("cuda"):
        import cupy

        gpu = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    payload = {"device": args.device, "gpu": gpu, "environment": environment(),
               "op_tests": tests, "real_mnist": data[4], "rows": rows, "train": train}  # fmt: skip
    write_json(args.json, payload)
    print(json.dumps({"gpu": gpu, "op_tests": tests["summary"]}))
    sys.exit(1 if tests["returncode"] or (train and train["returncode"]) else 0)


if __name__ == "__main__":
    main()
