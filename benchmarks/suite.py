"""The benchmark suite: every model's training step and inference, tensorgrad against PyTorch.

    python benchmarks/suite.py [--models lenet5 reslenet mlp mnist_port vit lstm namegpt]
                               [--steps 30]
                               [--repeats 5] [--threads 2] [--json PATH]

Each (model, batch) runs in two worker processes, one per framework, that take turns command by
command, the order swapped each round, so that a shared machine speeding up or slowing down hits
both alike (see ``train_lenet5.py``). One builder per model, written against ``lib.nn``, makes the
same network in both frameworks (the new models' sizes are read from the defaults of
``tensorgrad.models``' own classes, so the suite follows them); the batches are real MNIST (scaled
to [0, 1]), the same for both, and for the names language model random character rows of the corpus'
shape (27 symbols, 14 positions). ``step_ms`` is the median of ``--repeats`` means over ``--steps``
training steps (forward, loss, backward, optimizer step); ``infer_ms`` the fastest of ``--repeats``
passes over 2,048 test images under no_grad in batches of 256. Ratios are tensorgrad / PyTorch
(below 1: tensorgrad is faster); the geometric mean is over every ratio. The CPU's name and vector
ISA go into the table and the JSON, since the machine type changes between sessions. Without PyTorch
installed (``pip install -e '.[bench]'``) only tensorgrad's columns are filled.
"""

import argparse
import math
import os
import sys
import time

import numpy as np
from common import Worker, environment, print_table, try_import_torch, write_json
from train_lenet5 import _mnist_file

# model: (batch sizes, optimizer, what it exercises)
MODELS = {
    "lenet5": ((64, 256), "sgd", "5x5 convs, max-pool, the classifier's GEMMs"),
    "reslenet": ((128,), "adam", "BatchNorm, 3x3 and strided convs, skip connections"),
    "mlp": ((128,), "sgd", "784-512-256-10 with ReLU: GEMMs only"),
    "mnist_port": ((64,), "adadelta", "PyTorch's MNIST example: 3x3 convs 32/64, dropout"),
    "vit": ((128,), "adam", "patch embedding, pre-norm attention blocks, GELU, LayerNorm"),
    "lstm": ((128,), "adam", "an LSTM reading each image as 28 rows"),
    "namegpt": ((128,), "adam", "embeddings, causal self-attention, per-position softmax"),
}
NAMES_VOCAB, NAMES_LENGTH = 27, 14  # the names corpus: a-z and the boundary; a batch's longest
INFER_IMAGES, INFER_BATCH = 2048, 256


def build(lib, name: str):
    """The model ``name`` with ``lib.nn`` (tensorgrad's or torch's): the same network for both."""
    nn = lib.nn
    if name == "lenet5":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )  # fmt: skip
    if name == "mlp":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
            nn.Linear(256, 10),
        )  # fmt: skip
    if name == "mnist_port":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(128, 10),
        )  # fmt: skip
    if name == "reslenet":
        return _reslenet(nn)
    if name == "vit":
        sizes = _sizes("vit", "patch_size", "patch_overlap", "dim", "depth", "heads", "mlp_ratio")
        return _vit(lib, **sizes)
    if name == "lstm":
        return _lstm(lib, **_sizes("lstm", "hidden", "layers"))
    return _namegpt(lib, **_sizes("namegpt", "dim", "depth", "heads"))


def _sizes(model: str, *names: str) -> dict:
    """The defaults ``names`` of tensorgrad's own ``model`` class: the sizes both frameworks
    build."""
    import inspect

    from tensorgrad.models import namegpt, seqrnn, vit

    cls = {"vit": vit.ViT, "lstm": seqrnn.SequenceClassifier, "namegpt": namegpt.NameGPT}[model]
    parameters = inspect.signature(cls).parameters
    return {k: parameters[k].default for k in names}


def _encoder_blocks(nn, dim: int, depth: int, heads: int, feedforward: int):
    return nn.ModuleList(
        nn.TransformerEncoderLayer(dim, heads, feedforward, dropout=0.0, activation="gelu",
                                   batch_first=True, norm_first=True)
        for _ in range(depth)
    )  # fmt: skip


def _vit(lib, patch_size, patch_overlap, dim, depth, heads, mlp_ratio):
    """``tensorgrad.models.ViT`` (class token, no dropout) written with ``lib``'s layers."""
    nn = lib.nn

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Conv2d(1, dim, patch_size + 2 * patch_overlap, stride=patch_size,
                                   padding=patch_overlap)
            self.cls = nn.Parameter(lib.zeros(1, 1, dim))
            self.pos = nn.Parameter(lib.zeros(1, (28 // patch_size) ** 2 + 1, dim))
            self.blocks = _encoder_blocks(nn, dim, depth, heads, round(dim * mlp_ratio))
            self.norm, self.head = nn.LayerNorm(dim), nn.Linear(dim, 10)

        def forward(self, x):
            tokens = self.embed(x).flatten(2).transpose(1, 2)
            tokens = lib.cat([self.cls.expand(tokens.shape[0], -1, -1), tokens], 1) + self.pos
            for block in self.blocks:
                tokens = block(tokens)
            return self.head(self.norm(tokens[:, 0]))

    return ViT()


def _lstm(lib, hidden, layers):
    """``tensorgrad.models``' sequential-MNIST LSTM: 28 rows of 28 pixels, the last state."""
    nn = lib.nn

    class RowLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(28, hidden, layers, batch_first=True)
            self.head = nn.Linear(hidden, 10)

        def forward(self, x):
            output, _ = self.rnn(x.reshape(x.shape[0], 28, 28))
            return self.head(output[:, -1])

    return RowLSTM()


def _namegpt(lib, dim, depth, heads):
    """``tensorgrad.models.namegpt.NameGPT``: token and position embeddings, causal blocks."""
    nn = lib.nn

    class NameGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens, self.positions = nn.Embedding(NAMES_VOCAB, dim), nn.Embedding(16, dim)
            self.blocks = _encoder_blocks(nn, dim, depth, heads, 4 * dim)
            self.norm, self.head = nn.LayerNorm(dim), nn.Linear(dim, NAMES_VOCAB)
            upper = np.triu(np.full((NAMES_LENGTH, NAMES_LENGTH), -np.inf, np.float32), k=1)
            self.mask = lib.from_numpy(upper)

        def forward(self, ids):
            x = self.tokens(ids) + self.positions(lib.arange(ids.shape[1]))
            for block in self.blocks:
                x = block(x, src_mask=self.mask, is_causal=True)
            return self.head(self.norm(x)).reshape(-1, NAMES_VOCAB)

    return NameGPT()


def _reslenet(nn):
    """``tensorgrad.models.ResLeNet`` (365,714 parameters) written with ``nn``'s layers."""

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
            self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
            self.relu = nn.ReLU()

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(x + self.bn2(self.conv2(out)))

    return nn.Sequential(
        nn.Conv2d(1, 24, 5, padding=2, bias=False), nn.MaxPool2d(2), nn.BatchNorm2d(24),
        nn.ReLU(), Block(24), nn.Conv2d(24, 48, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(48), nn.ReLU(), Block(48), nn.Flatten(), nn.Linear(48 * 49, 128),
        nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip


def _data(name: str, batch: int, data: str):
    """Eight training batches (inputs, targets) and the inference inputs, as NumPy arrays."""
    if name == "namegpt":
        draw = np.random.default_rng(0).integers
        ids = draw(0, NAMES_VOCAB, (batch * 8 + INFER_IMAGES, NAMES_LENGTH + 1), dtype=np.int64)
        train = ids[: batch * 8]
        return train[:, :-1], train[:, 1:].reshape(-1, NAMES_LENGTH), ids[batch * 8 :, :-1]
    loaded = np.load(data)
    images = (loaded["images"][: batch * 8].astype(np.float32) / 255.0)[:, None]
    labels = loaded["labels"][: batch * 8].astype(np.int64)
    test = (loaded["images"][-INFER_IMAGES:].astype(np.float32) / 255.0)[:, None]
    return images, labels, test


class Session:
    """One framework's model, optimizer and MNIST batches; each method times one measurement."""

    def __init__(self, lib, name: str, batch: int, data: str) -> None:
        lib.manual_seed(0)
        self.lib, self.model = lib, build(lib, name)
        optimizer = MODELS[name][1]
        params = self.model.parameters()
        if optimizer == "sgd":
            self.optimizer = lib.optim.SGD(params, lr=0.01, momentum=0.9)
        elif optimizer == "adam":
            self.optimizer = lib.optim.Adam(params, lr=1e-3)
        else:
            self.optimizer = lib.optim.Adadelta(params, lr=1.0)
        inputs, targets, test = _data(name, batch, data)
        self.batches = [(lib.from_numpy(np.ascontiguousarray(inputs[i : i + batch])),
                         lib.from_numpy(np.ascontiguousarray(targets[i : i + batch])))
                        for i in range(0, len(inputs), batch)]  # fmt: skip
        self.test = lib.from_numpy(np.ascontiguousarray(test))

    def steps(self, n: int) -> float:
        """Seconds per training step over ``n`` steps."""
        lib, model = self.lib, self.model
        start = time.perf_counter()
        for k in range(n):
            x, y = self.batches[k % len(self.batches)]
            self.optimizer.zero_grad()
            lib.nn.functional.cross_entropy(model(x), y.reshape(-1)).backward()
            self.optimizer.step()
        return (time.perf_counter() - start) / n

    def infer(self) -> float:
        """Seconds for the test images under no_grad (eval mode)."""
        self.model.eval()
        start = time.perf_counter()
        with self.lib.no_grad():
            for i in range(0, INFER_IMAGES, INFER_BATCH):
                self.model(self.test[i : i + INFER_BATCH])
        seconds = time.perf_counter() - start
        self.model.train()
        return seconds


def worker(args) -> None:
    """Serve one framework: ``steps N`` or ``infer`` per line, one number back per line."""
    if args.worker == "torch":
        import torch as lib

        lib.set_num_threads(args.threads)
    else:
        import tensorgrad as lib
    session = Session(lib, args.model, args.batch, args.data)
    print("ready", flush=True)
    for line in sys.stdin:
        command, *rest = line.split()
        value = session.steps(int(rest[0])) if command == "steps" else session.infer()
        print(value, flush=True)


def measure(model: str, batch: int, frameworks: list[str], args) -> dict:
    workers = [
        Worker(f, [sys.executable, __file__, "--worker", f, "--model", model, "--batch",
                   str(batch), "--threads", str(args.threads), "--data", args.data], args.threads)
        for f in frameworks
    ]  # fmt: skip
    times = {f: {"steps": [], "infer": []} for f in frameworks}
    try:
        for w in workers:  # warm-up: compilation, allocator, caches
            w.ask(f"steps {max(args.steps // 3, 1)}")
            w.ask("infer")
        for r in range(args.repeats):
            for w in workers if r % 2 == 0 else workers[::-1]:
                times[w.framework]["steps"].append(w.ask(f"steps {args.steps}"))
                times[w.framework]["infer"].append(w.ask("infer"))
    finally:
        for w in workers:
            w.close()
    row = {"model": model, "batch": batch, "optimizer": MODELS[model][1]}
    for f in frameworks:
        row[f"{f}_step_ms"] = 1e3 * float(np.median(times[f]["steps"]))
        row[f"{f}_infer_ms"] = 1e3 * min(times[f]["infer"])
    if "torch" in frameworks:
        row["step_ratio"] = row["tensorgrad_step_ms"] / row["torch_step_ms"]
        row["infer_ratio"] = row["tensorgrad_infer_ms"] / row["torch_infer_ms"]
    row["times"] = times
    return row


def cpu() -> dict:
    from tensorgrad.models.info import cpu_model, vector_isa

    return {"name": cpu_model(), "vector_isa": vector_isa(), "cores": os.cpu_count()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--worker", choices=["tensorgrad", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    args.data = _mnist_file()
    frameworks = ["tensorgrad"] + (["torch"] if try_import_torch() else [])
    machine = cpu()
    load_before = os.getloadavg()[0]
    rows = [measure(m, b, frameworks, args) for m in args.models for b in MODELS[m][0]]
    ratios = [r[k] for r in rows for k in ("step_ratio", "infer_ratio") if k in r]
    geomean = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else None
    print(f"CPU: {machine['name']}; vector ISA {machine['vector_isa']}; {args.threads} threads")
    print(f"load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}; median of "
          f"{args.repeats} x {args.steps} steps, frameworks taking turns")  # fmt: skip
    columns = ["model", "batch", "optimizer", "tensorgrad_step_ms", "torch_step_ms", "step_ratio",
               "tensorgrad_infer_ms", "torch_infer_ms", "infer_ratio"]  # fmt: skip
    print_table(rows, columns)
    if geomean is not None:
        print(f"geometric mean of the ratios (tensorgrad / torch): {geomean:.3f}")
    write_json(args.json, {"environment": environment(args.threads), "cpu": machine,
                           "load_average": [load_before, os.getloadavg()[0]], "rows": rows,
                           "geometric_mean": geomean})  # fmt: skip


if __name__ == "__main__":
    main()
