"""The residual LeNet (BatchNorm, 3x3 and strided convolutions): training step, inference, and
inference from several Python threads at once.

    python benchmarks/reslenet_threads.py [--batch 128] [--steps 10] [--repeats 5]
                                          [--callers 6] [--json PATH]

``step_s``: the median over ``--repeats`` of the mean seconds of ``--steps`` training steps
(Adam, cross-entropy, batch ``--batch``, random MNIST-shaped data). ``inference_s``: the median
seconds to push 2,048 images through under no_grad in batches of 256 from one thread.
``threaded_inference_s``: the median seconds for ``--callers`` Python threads to do that at
once on the same model (``--callers`` times the work; 0 skips it), and ``threaded_ratio`` its
time per image over the single thread's (1.0: the threads share the cores without loss).
The kernel threads follow tensorgrad's thread policy (``TENSORGRAD_NUM_THREADS``).
"""

import argparse
import os
import statistics
import threading
import time

import numpy as np
from common import environment, print_table, write_json

import tensorgrad as tg
from tensorgrad.models.reslenet import ResLeNet

IMAGES, INFER_BATCH = 2048, 256


def _median(fn, repeats: int) -> float:
    fn()  # warm-up: JIT, caches, allocator
    return statistics.median(_timed(fn) for _ in range(repeats))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10, help="training steps per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--callers", type=int, default=6, help="Python threads (0: skip)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    tg.manual_seed(0)
    model = ResLeNet()
    optimizer = tg.optim.Adam(model.parameters(), lr=1e-3)
    x = tg.from_numpy(rng.random((args.batch, 1, 28, 28), dtype=np.float32))
    y = tg.from_numpy(rng.integers(0, 10, args.batch).astype(np.int64))
    test = tg.from_numpy(rng.random((IMAGES, 1, 28, 28), dtype=np.float32))

    def steps():
        for _ in range(args.steps):
            optimizer.zero_grad()
            tg.nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()

    def infer():
        with tg.no_grad():
            for i in range(0, IMAGES, INFER_BATCH):
                model(test[i : i + INFER_BATCH])

    def infer_from_threads():
        callers = [threading.Thread(target=infer) for _ in range(args.callers)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()

    load_before = os.getloadavg()[0]
    row = {"batch": args.batch, "step_s": _median(steps, args.repeats) / args.steps}
    model.eval()
    row["inference_s"] = _median(infer, args.repeats)
    if args.callers:
        row["callers"] = args.callers
        row["threaded_inference_s"] = _median(infer_from_threads, args.repeats)
        row["threaded_ratio"] = row["threaded_inference_s"] / (args.callers * row["inference_s"])
    load = {"before": load_before, "after": os.getloadavg()[0]}
    print(f"residual LeNet, Adam, median of {args.repeats}; load average (1 min) "
          f"{load['before']:.2f} -> {load['after']:.2f}")  # fmt: skip
    print_table([row], list(row))
    write_json(args.json, {"environment": environment(), "load_average": load, "rows": [row]})


if __name__ == "__main__":
    main()
