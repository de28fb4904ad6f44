"""Two source trees of tensorgrad against each other (before/after a change), taking turns.

    python benchmarks/ab_trees.py BEFORE_DIR AFTER_DIR [--model lenet5] [--batch 64]
                                  [--optimizer sgd] [--steps 20] [--rounds 15] [--json PATH]
    python benchmarks/ab_trees.py BEFORE_DIR AFTER_DIR --cases bench_layers2:lstm ...
                                  [--repeats 5] [--rounds 15] [--json PATH]
    python benchmarks/ab_trees.py BEFORE_DIR AFTER_DIR --suite mlp --batch 128 [--steps 20]

Each tree (a checkout, or ``git archive`` of a commit unpacked into a folder) runs in its own
worker process with that tree first on ``PYTHONPATH``; the two take turns command by command,
the order swapped each round, on the same data: ``--steps`` training steps of ``--model`` (a
registered name) at ``--batch``, then inference of 2,048 images in batches of 256 under
no_grad. On a shared machine another job takes a core now and then, which slows a round by up
to 2x for whichever tree ran then; the median of the paired per-round ratios (after / before)
is the figure that survives that, and the table prints it next to each tree's median and
minimum. With ``--cases`` the trees time cases of the comparison scripts instead
(``SCRIPT:NAME``, e.g. ``bench_new_ops:embedding``: that script's ``measure``, from this
folder, on each tree's tensorgrad), case by case. With ``--suite`` they run one of
``suite.py``'s models (the MLP, the LSTM, ... with their optimizers) on real MNIST batches.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

TEST_IMAGES, TEST_BATCH = 2048, 256


def case_worker() -> None:
    """Serve one tree: ``SCRIPT NAME REPEATS`` per line, that case's timings back as JSON."""
    import importlib

    import tensorgrad as tg

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    print("ready", flush=True)
    for line in sys.stdin:
        script, name, repeats = line.split()
        measured = importlib.import_module(script).measure(tg, name, int(repeats))
        print(json.dumps(measured), flush=True)


def suite_worker(args) -> None:
    """Serve one tree with ``suite.py``'s model ``args.suite`` on real MNIST batches (its
    ``Session``): ``steps N`` or ``infer`` per line, seconds back per line."""
    import tensorgrad as tg

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from suite import Session
    from train_lenet5 import _mnist_file

    session = Session(tg, args.suite, args.batch, _mnist_file())
    session.steps(3)  # warm-up: JIT cache, allocator
    session.infer()
    print("ready", flush=True)
    for line in sys.stdin:
        command, *rest = line.split()
        if command == "steps":
            seconds = session.steps(int(rest[0])) * int(rest[0])  # Session's is per step
        else:
            seconds = session.infer()
        print(seconds, flush=True)


def worker(args) -> None:
    """Serve one tree: ``steps N`` or ``infer`` per line, seconds back per line."""
    if args.cases:
        return case_worker()
    if args.suite:
        return suite_worker(args)
    import tensorgrad as tg
    from models.registry import create_model

    tg.manual_seed(0)
    model = create_model(args.model)
    rng = np.random.default_rng(0)
    batches = [
        (tg.from_numpy(rng.random((args.batch, 1, 28, 28), dtype=np.float32)),
         tg.from_numpy(rng.integers(0, 10, args.batch).astype(np.int64)))
        for _ in range(4)
    ]  # fmt: skip
    test = tg.from_numpy(rng.random((TEST_IMAGES, 1, 28, 28), dtype=np.float32))
    optimizers = {"sgd": lambda p: tg.optim.SGD(p, lr=0.01, momentum=0.9),
                  "adam": lambda p: tg.optim.Adam(p, lr=1e-3)}  # fmt: skip
    optimizer = optimizers[args.optimizer](model.parameters())

    def steps(n: int) -> None:
        model.train()
        for k in range(n):
            x, y = batches[k % len(batches)]
            optimizer.zero_grad()
            tg.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()

    def infer() -> None:
        model.eval()
        with tg.no_grad():
            for i in range(0, TEST_IMAGES, TEST_BATCH):
                model(test[i : i + TEST_BATCH])

    steps(3)  # warm-up: JIT cache, allocator
    infer()
    print("ready", flush=True)
    for line in sys.stdin:
        command, *rest = line.split()
        start = time.perf_counter()
        steps(int(rest[0])) if command == "steps" else infer()
        print(time.perf_counter() - start, flush=True)


class Tree:
    def __init__(self, label: str, path: str, args) -> None:
        env = dict(os.environ, PYTHONPATH=os.path.abspath(path))
        command = [sys.executable, os.path.abspath(__file__), path, path, "--worker",
                   "--model", args.model, "--batch", str(args.batch),
                   "--optimizer", args.optimizer]  # fmt: skip
        command += ["--cases", "-"] if args.cases else []
        command += ["--suite", args.suite] if args.suite else []
        self.label = label
        self.process = subprocess.Popen(
            command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit(f"the {label} tree's worker failed (exit {self.process.wait()})")

    def ask(self, command: str):
        """The worker's answer: seconds (a float), or a case's timings (a dict)."""
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--model", default="lenet5")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--steps", type=int, default=20, help="training steps per round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--cases", nargs="+", help="SCRIPT:NAME cases to time instead")
    parser.add_argument("--suite", help="time suite.py's model of this name instead (its "
                        "optimizer, real MNIST batches)")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=5, help="per case and round")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    from common import environment, print_table, write_json

    load_before = os.getloadavg()[0]
    trees = [Tree("before", args.before, args), Tree("after", args.after, args)]
    if args.cases:
        return compare_cases(trees, args, load_before)
    times = {t.label: {"step_s": [], "inference_s": []} for t in trees}
    try:
        for r in range(args.rounds):
            for tree in trees if r % 2 == 0 else trees[::-1]:
                times[tree.label]["step_s"].append(tree.ask(f"steps {args.steps}") / args.steps)
                times[tree.label]["inference_s"].append(tree.ask("infer"))
    finally:
        for tree in trees:
            tree.close()
    rows = [{"measurement": key, **_paired(times["before"][key], times["after"][key])}
            for key in ("step_s", "inference_s")]  # fmt: skip
    what = f"suite {args.suite}" if args.suite else f"{args.model}, {args.optimizer}"
    print(f"{what}, batch {args.batch}: {args.rounds} rounds taking "
          f"turns; load average (1 min) {load_before:.2f} -> {os.getloadavg()[0]:.2f}")  # fmt: skip
    print_table(rows, list(rows[0]))
    write_json(args.json, {"environment": environment(), "args": vars(args), "rows": rows,
                           "times": times})  # fmt: skip


def _paired(before: list, after: list) -> dict:
    """Each tree's median and minimum, and the median of the paired ratios after / before."""
    return {
        "before_median": statistics.median(before), "before_min": min(before),
        "after_median": statistics.median(after), "after_min": min(after),
        "after/before": statistics.median(a / b for a, b in zip(after, before)),
    }  # fmt: skip


def compare_cases(trees: list, args, load_before: float) -> None:
    """Each case on both trees, the order swapped each round; paired ratios per metric."""
    from common import environment, print_table, write_json

    times = {case: {t.label: [] for t in trees} for case in args.cases}
    try:
        for r in range(args.rounds):
            for case in args.cases:
                for tree in trees if r % 2 == 0 else trees[::-1]:
                    script, name = case.split(":")
                    times[case][tree.label].append(tree.ask(f"{script} {name} {args.repeats}"))
    finally:
        for tree in trees:
            tree.close()
    rows = [{"case": case, "metric": metric,
             **_paired([m[metric] for m in by_tree["before"]],
                       [m[metric] for m in by_tree["after"]])}
            for case, by_tree in times.items() for metric in by_tree["before"][0]]  # fmt: skip
    print(f"{args.rounds} rounds taking turns, median of {args.repeats} each; load average "
          f"(1 min) {load_before:.2f} -> {os.getloadavg()[0]:.2f}")  # fmt: skip
    print_table(rows, list(rows[0]))
    write_json(args.json, {"environment": environment(), "args": vars(args), "rows": rows,
                           "times": times})  # fmt: skip


if __name__ == "__main__":
    main()
