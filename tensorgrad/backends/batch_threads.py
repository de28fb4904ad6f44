"""Run a serial kernel on slices of the batch, one slice per kernel thread.

Numba kernels compiled with ``nogil`` (and NumPy's BLAS calls) release the GIL, so Python
threads running them on disjoint slices of a batch keep the cores busy without Numba's parallel
regions. On a VM a thread that blocks (on a lock, or for the GIL) costs ~50 us to wake, its
vCPU halted: as long as half of a split 128 x 784 x 512 GEMM. So the threads spin a while
before they block (``kernels.spin``: a bounded wait, without the GIL, ``SPIN_CYCLES``): a
worker that has run a slice watches the counter of handed work, and a caller waiting for its
slices watches the counter of finished ones, which a worker bumps only from inside its own wait,
when it no longer holds the GIL the caller is about to take. Measured on a 2-vCPU Xeon: a
split GEMM's caller got control back 8 us after the worker's slice ended instead of 50, and
LeNet-5's step at batch 64 took 0.87x as long. A worker that asks for the GIL while the caller
holds it sleeps until the caller's own slice releases it, and starts ~50 us late; so a caller
whose kernels announce themselves (``announced``) bumps the counter of handed work from inside
a GIL-free wait, which it leaves once a worker's kernel has started (``ENTERED``): the worker
takes the GIL while it is free (on a 2-vCPU Zen 4 it started 7-13 us after the hand-off
instead of 46-72). GEMM blocks of float matrices skip Python and the GIL altogether
(``run_gemm_blocks``, ``kernels.gemm_handoff``): a spinning worker claims them from a slot
and calls BLAS from its wait. Idle for longer, every thread waits on a lock and uses no CPU; a
worker woken from there took 260-340 us to start after 10 ms idle (same Xeon). Small work
stays on the caller's thread (``MIN_WORK``).

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

import numpy as np

from ..kernels.config import get_num_threads
from ..kernels.gemm_handoff import new_slots, serve_while_waiting, split_gemm
from ..kernels.spin import wait_for_change

# below this many multiply-adds per call (~0.2 ms of work), one thread beats the hand-off
# (LeNet-5's convolutions at batch 64 do 8-22 million)
MIN_WORK = 2_000_000
# a memory-bound element (a copy, a pooled comparison) costs about this many multiply-adds:
# pool1 of LeNet-5 at batch 64 is worth splitting, pool2 is not
ELEMENT_COST = 8
# how long a worker watches for more work after a slice: ~2 ms at 2.5 GHz, longer than the
# Python between two big ops of a step (0.2-0.8 ms in an MLP's), shorter than OpenMP's
# default; measured on a 2-vCPU Xeon against 0.2 ms: steps of the MLP 0.92x, NameGPT 0.93x,
# LeNet-5 (batch 64) 0.90x as long
SPIN_CYCLES = 5_000_000

_tasks: queue.SimpleQueue = queue.SimpleQueue()
# bumped after each hand-off and after each slice run; a lost update under racing callers only
# makes a waiting thread block
_handed, _finished = np.zeros(1, np.int64), np.zeros(1, np.int64)
# bumped by a kernel as it starts a slice (``kernels.spin.announce``), the GIL released
ENTERED = np.zeros(1, np.int64)
# how long a caller waits for a worker to enter its slice's kernel: ~20 us at 2.5 GHz
HANDSHAKE_CYCLES = 50_000
_started = 0  # workers serving _tasks
_start_lock = threading.Lock()
# GEMM blocks handed without the GIL (``kernels.gemm_handoff``): one caller at a time posts
# them; ``_spinning`` counts the workers watching the slots
MAX_GEMM_BLOCKS = 64
_gemm_slots, _spinning = new_slots(MAX_GEMM_BLOCKS), np.zeros(1, np.int64)
_gemm_lock = threading.Lock()


def _forget_workers() -> None:
    global _tasks, _handed, _finished, _started, _start_lock, _gemm_slots, _spinning, _gemm_lock
    _tasks, _handed, _finished = queue.SimpleQueue(), np.zeros(1, np.int64), np.zeros(1, np.int64)
    _started, _start_lock = 0, threading.Lock()
    _gemm_slots, _spinning = new_slots(MAX_GEMM_BLOCKS), np.zeros(1, np.int64)
    _gemm_lock = threading.Lock()


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

    def done(self) -> bool:
        return not self._done.locked()

    def wait(self):
        """Its result (or its exception raised), once the thread running it is done."""
        self._finish()
        if self.error is not None:
            raise self.error
        return self.result

    def _finish(self) -> None:
        self._done.acquire()
        self._done.release()  # stays signalled: cancel after wait returns at once


class _Wake:
    """A no-op task: it wakes a blocked worker, which then watches the GEMM slots."""

    @staticmethod
    def run() -> None:
        pass


def _work(tasks: queue.SimpleQueue, handed, finished, gemm_slots, spinning) -> None:
    ran = False  # a slice has finished since ``finished`` was last bumped
    while True:
        seen = int(handed[0])  # read before the queue: a later hand-off changes it
        try:
            task = tasks.get_nowait()
        except queue.Empty:
            bump = finished if ran else None
            changed = serve_while_waiting(handed, seen, SPIN_CYCLES, bump, gemm_slots, spinning)
            ran = False
            if changed:
                continue
            task = tasks.get()
        if ran:
            finished[0] += 1
        task.run()
        ran = True


def _workers(count: int) -> queue.SimpleQueue:
    """The task queue, with at least ``count`` workers serving it."""
    global _started
    if _started < count:
        with _start_lock:
            while _started < count:
                name = f"tensorgrad-kernel-{_started}"
                shared = (_tasks, _handed, _finished, _gemm_slots, _spinning)
                threading.Thread(target=_work, args=shared, name=name, daemon=True).start()
                _started += 1
    return _tasks


def batch_slices(n: int, work: int) -> list[slice]:
    """Contiguous slices covering a batch of ``n``: one per kernel thread when ``work`` (about
    the multiply-adds of the whole call) is worth splitting, else one."""
    parts = min(get_num_threads(), n) if work >= MIN_WORK else 1
    bounds = [n * k // parts for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def _spin_until_done(handed: list) -> None:
    """Watch the slices running on workers for ``SPIN_CYCLES`` before blocking on them: a
    blocked caller's wake-up costs as much as a worker's."""
    seen = int(_finished[0])
    while not all(task.done() for task in handed):
        if not wait_for_change(_finished, seen, SPIN_CYCLES):
            return
        seen = int(_finished[0])


def run_slices(fn, slices: list[slice], announced: bool = False) -> list:
    """``[fn(s) for s in slices]``, the slices after the first handed to the worker threads
    (those still unclaimed when the first is done run here); an exception in any slice is
    raised here, after every slice of the call has finished or been cancelled.

    ``announced``: ``fn``'s kernel bumps ``ENTERED`` as it starts. Then, while a worker is
    spinning, the caller waits without the GIL (a bounded wait) until a worker's kernel has
    started before it runs its own slice: the worker takes the GIL while it is free, instead
    of sleeping for it until the caller's own kernel releases it (~50 us on a VM)."""
    if len(slices) == 1:
        return [fn(slices[0])]
    handed = [_Slice(fn, part) for part in slices[1:]]
    tasks = _workers(len(handed))
    entered = int(ENTERED[0])
    for task in handed:
        tasks.put(task)
    if announced and _spinning[0] > 0:  # bumped without the GIL, so the worker can take it
        wait_for_change(ENTERED, entered, HANDSHAKE_CYCLES, _handed)
    else:
        _handed[0] += 1
    try:
        first = fn(slices[0])
    except BaseException:
        for task in handed:
            task.cancel()
        raise
    for task in reversed(handed):  # the workers take from the front
        task.run()
    _spin_until_done(handed)
    results = [first]
    try:
        for task in handed:
            results.append(task.wait())
    except BaseException:
        for task in handed:
            task.cancel()
        raise
    return results


def run_gemm_blocks(blocks: np.ndarray) -> bool:
    """Run the GEMM blocks (rows of ``kernels.gemm_handoff`` slot fields), the first on this
    thread and the others on workers that claim them without the GIL (or here, when none
    does); False, having run nothing, while another caller is using the slots."""
    handed = len(blocks) - 1
    if handed > MAX_GEMM_BLOCKS or not _gemm_lock.acquire(blocking=False):
        return False
    try:
        tasks = _workers(handed)
        slots = _gemm_slots
        slots[:handed] = blocks[1:]
        for _ in range(handed - int(_spinning[0])):  # blocked workers: wake them
            tasks.put(_Wake)
        split_gemm(slots, handed, blocks[0])
    finally:
        _gemm_lock.release()
    return True
