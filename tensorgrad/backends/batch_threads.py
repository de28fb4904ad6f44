"""Run a serial kernel on slices of the batch, one slice per kernel thread.

Numba kernels compiled with ``nogil`` (and NumPy's BLAS calls) release the GIL, so Python
threads running them on disjoint slices of a batch keep the cores busy without Numba's parallel
regions: an idle worker waits on a lock (no spinning against BLAS or a busy neighbour). Waking
a worker costs up to ~20 us (a queue and two locks), which is why small work stays on the
caller's thread (``MIN_WORK``).

The pool is shared by every caller: several Python threads may hand it work at once, and a
slice may itself call ``run_slices``. Each handed slice is claimed exactly once, by a worker or
by its caller: once the caller's own first slice is done it runs every slice of its call that
no worker has claimed yet, so a caller only ever waits for slices already running on another
thread, and it cannot deadlock however many callers there are or however deep they nest.

``get_num_threads() - 1`` daemon workers start on first use (the caller runs a slice itself) and
more when ``set_threads`` raises the count. A forked child starts without them (the parent's
threads do not exist there) and starts its own when it needs them.
"""

import os
import queue
import threading

from ..kernels.config import get_num_threads

# below this many multiply-adds per call (~0.2 ms of work), one thread beats the hand-off
# (LeNet-5's convolutions at batch 64 do 8-22 million)
MIN_WORK = 2_000_000
# a memory-bound element (a copy, a pooled comparison) costs about this many multiply-adds:
# pool1 of LeNet-5 at batch 64 is worth splitting, pool2 is not
ELEMENT_COST = 8

_tasks: queue.SimpleQueue = queue.SimpleQueue()
_started = 0  # workers serving _tasks
_start_lock = threading.Lock()


def _forget_workers() -> None:
    global _tasks, _started, _start_lock
    _tasks, _started, _start_lock = queue.SimpleQueue(), 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


class _Slice:
    """``fn(part)``, run by whichever thread claims it first."""

    __slots__ = ("fn", "part", "_claim", "_done", "result", "error")

    def __init__(self, fn, part: slice) -> None:
        self.fn, self.part = fn, part
        self._claim, self._done = threading.Lock(), threading.Lock()
        self._done.acquire()
        self.result = self.error = None

    def run(self) -> None:
        """Run it unless another thread claimed it already."""
        if not self._claim.acquire(blocking=False):
            return
        try:
            self.result = self.fn(self.part)
        except BaseException as error:  # handed to the caller, which raises it
            self.error = error
        finally:
            self.fn = None  # a stale queue entry must not keep the slice's arrays alive
            self._done.release()

    def cancel(self) -> None:
        """Claim it without running it, or wait until the thread running it is done."""
        if self._claim.acquire(blocking=False):
            self.fn = None
            self._done.release()
        else:
            self._finish()

    def wait(self):
        """Its result (or its exception raised), once the thread running it is done."""
        self._finish()
        if self.error is not None:
            raise self.error
        return self.result

    def _finish(self) -> None:
        self._done.acquire()
        self._done.release()  # stays signalled: cancel after wait returns at once


def _work(tasks: queue.SimpleQueue) -> None:
    while True:
        tasks.get().run()


def _workers(count: int) -> queue.SimpleQueue:
    """The task queue, with at least ``count`` workers serving it."""
    global _started
    if _started < count:
        with _start_lock:
            while _started < count:
                name = f"tensorgrad-kernel-{_started}"
                threading.Thread(target=_work, args=(_tasks,), name=name, daemon=True).start()
                _started += 1
    return _tasks


def batch_slices(n: int, work: int) -> list[slice]:
    """Contiguous slices covering a batch of ``n``: one per kernel thread when ``work`` (about
    the multiply-adds of the whole call) is worth splitting, else one."""
    parts = min(get_num_threads(), n) if work >= MIN_WORK else 1
    bounds = [n * k // parts for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def run_slices(fn, slices: list[slice]) -> list:
    """``[fn(s) for s in slices]``, the slices after the first handed to the worker threads
    (those still unclaimed when the first is done run here); an exception in any slice is
    raised here, after every slice of the call has finished or been cancelled."""
    if len(slices) == 1:
        return [fn(slices[0])]
    handed = [_Slice(fn, part) for part in slices[1:]]
    tasks = _workers(len(handed))
    for task in handed:
        tasks.put(task)
    try:
        first = fn(slices[0])
    except BaseException:
        for task in handed:
            task.cancel()
        raise
    for task in reversed(handed):  # the workers take from the front
        task.run()
    results = [first]
    try:
        for task in handed:
            results.append(task.wait())
    except BaseException:
        for task in handed:
            task.cancel()
        raise
    return results
