"""Run a serial kernel on slices of the batch, one slice per kernel thread.

Numba kernels compiled with ``nogil`` (and NumPy's BLAS calls) release the GIL, so Python
threads running them on disjoint slices of a batch keep both cores of a 2-core machine busy
without Numba's parallel regions: an idle worker waits on a lock (no spinning against BLAS or a
busy neighbour). A hand-off costs ~20 us (a queue and a lock; ``ThreadPoolExecutor``'s futures
took ~38 us), which is why small work stays on the caller's thread (``MIN_WORK``).

``NUM_THREADS - 1`` daemon workers start on first use (the caller runs the first slice itself).
A forked child starts without them (the parent's threads do not exist there) and starts its own
when it needs them.
"""

import os
import queue
import threading

from ..kernels.config import NUM_THREADS

# below this many multiply-adds per call (~0.2 ms of work), one thread beats the hand-off
# (LeNet-5's convolutions at batch 64 do 8-22 million)
MIN_WORK = 2_000_000

_tasks: queue.SimpleQueue | None = None
_start_lock = threading.Lock()


def _forget_workers() -> None:
    global _tasks
    _tasks = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


def _work(tasks: queue.SimpleQueue) -> None:
    while True:
        fn, part, done, box = tasks.get()
        try:
            box[0] = fn(part)
        except BaseException as error:  # handed to the caller, which raises it
            box[1] = error
        finally:
            done.release()


def _workers() -> queue.SimpleQueue:
    global _tasks
    with _start_lock:
        if _tasks is None:
            tasks = queue.SimpleQueue()
            for k in range(max(NUM_THREADS - 1, 1)):
                name = f"tensorgrad-kernel-{k}"
                threading.Thread(target=_work, args=(tasks,), name=name, daemon=True).start()
            _tasks = tasks
        return _tasks


def batch_slices(n: int, work: int) -> list[slice]:
    """Contiguous slices covering a batch of ``n``: one per kernel thread when ``work`` (about
    the multiply-adds of the whole call) is worth splitting, else one."""
    parts = min(NUM_THREADS, n) if work >= MIN_WORK else 1
    bounds = [n * k // parts for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def run_slices(fn, slices: list[slice]) -> list:
    """``[fn(s) for s in slices]``, the slices after the first on the worker threads; an
    exception in any slice is raised here."""
    if len(slices) == 1:
        return [fn(slices[0])]
    tasks = _workers()
    handed = []
    for part in slices[1:]:
        done, box = threading.Lock(), [None, None]  # box: [result, exception]
        done.acquire()
        tasks.put((fn, part, done, box))
        handed.append((done, box))
    results = [fn(slices[0])]
    for done, box in handed:
        done.acquire()
        if box[1] is not None:
            raise box[1]
        results.append(box[0])
    return results
