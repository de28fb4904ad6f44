"""Safe from several Python threads at once: models, a forked child, the batch-split pool.

The model checks run in a subprocess (``threads_workload.py``), so that a crash of the process
(as Numba's workqueue layer aborts on concurrent parallel regions) fails a test instead of
killing pytest.
"""

import importlib
import os
import pkgutil
import subprocess
import sys
import threading
from pathlib import Path

import conv_pool_reference as ref
import numba
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import kernels
from tensorgrad.backends import batch_threads
from tensorgrad.data import affine_kernel
from tensorgrad.nn.conv_pool import conv2d

ROOT = Path(__file__).resolve().parents[1]


def _workload(scenario: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    script = Path(__file__).with_name("threads_workload.py")
    return subprocess.run(
        [sys.executable, str(script), scenario], capture_output=True, text=True, env=env,
        timeout=600,
    )  # fmt: skip


def test_every_model_from_six_threads_matches_serial_runs_bit_for_bit():
    done = _workload("models")
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    assert done.stdout.strip() == "ok"


def test_a_child_forked_after_threaded_work_runs_the_kernels():
    done = _workload("fork")
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    assert done.stdout.strip() == "ok"


def test_no_kernel_uses_a_numba_parallel_region():
    # parallel regions are what crashed (workqueue) or hung after fork (omp): the kernel
    # threads of the batch split use the cores instead (see tensorgrad.kernels.config)
    modules = [importlib.import_module(f"tensorgrad.kernels.{info.name}")
               for info in pkgutil.iter_modules(kernels.__path__)] + [affine_kernel]  # fmt: skip
    dispatchers = {
        f"{module.__name__}.{name}": value
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, numba.core.registry.CPUDispatcher)
    }
    assert len(dispatchers) >= 10
    parallel = [name for name, d in dispatchers.items() if d.targetoptions.get("parallel")]
    assert parallel == []


def test_strided_conv_split_across_kernel_threads_matches_loops(rng, monkeypatch):
    # the strided kernels run on slices of the batch: force 2 slices, an odd batch
    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 2)
    monkeypatch.setattr(batch_threads, "MIN_WORK", 0)
    x = rng.standard_normal((5, 4, 9, 8))
    w = rng.standard_normal((6, 2, 3, 2))
    xt, wt = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
    out = conv2d(xt, wt, stride=(2, 3), padding=(1, 2), groups=2)
    pads = (1, 1, 2, 2)
    np.testing.assert_allclose(
        out.data, ref.conv2d(x, w, (2, 3), pads, (1, 1), 2), rtol=1e-10, atol=1e-10
    )
    g = rng.standard_normal(out.shape)
    out.backward(tg.tensor(g))
    dx, dw = ref.conv2d_grads(x, w, g, (2, 3), pads, (1, 1), 2)
    np.testing.assert_allclose(xt.grad.data, dx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(wt.grad.data, dw, rtol=1e-10, atol=1e-10)


# -- the batch-split pool ---------------------------------------------------------------------
def _in_threads(work, count: int) -> list:
    """``work(k)`` for k < count, started together; fails instead of hanging on a deadlock."""
    results, errors = [None] * count, []
    start = threading.Barrier(count)

    def caller(k):
        try:
            start.wait()
            results[k] = work(k)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=caller, args=(k,), daemon=True) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "deadlock: a caller of run_slices never returned"
    if errors:
        raise errors[0]
    return results


SLICES = [slice(0, 2), slice(2, 5), slice(5, 6), slice(6, 9)]


def _sum_of(values: np.ndarray):
    def part(s):
        return float(values[s].sum())

    return part


def test_concurrent_callers_each_get_their_own_results_in_order():
    data = [np.arange(9.0) * (k + 1) for k in range(8)]

    def call(k):
        return [batch_threads.run_slices(_sum_of(data[k]), SLICES) for _ in range(50)]

    for k, results in enumerate(_in_threads(call, 8)):
        expected = [float(data[k][s].sum()) for s in SLICES]
        assert all(r == expected for r in results)


def test_a_slice_that_calls_the_pool_itself_does_not_deadlock():
    # every caller's slices hand out slices of their own: all the workers may be waiting in
    # an outer slice while the inner ones queue behind them
    def outer(s):
        return sum(batch_threads.run_slices(lambda t: t.stop - t.start, SLICES)) * s.start

    def call(k):
        return [batch_threads.run_slices(outer, SLICES) for _ in range(20)]

    for results in _in_threads(call, 6):
        assert all(r == [9 * s.start for s in SLICES] for r in results)


def test_errors_reach_their_own_caller_and_nothing_runs_after_the_call():
    ran = [[] for _ in range(6)]

    def call(k):
        def part(s):
            if s.start == 0 and k % 2:
                raise ValueError(f"caller {k} failed")
            ran[k].append(s.start)
            return s.start

        try:
            return batch_threads.run_slices(part, SLICES)
        except ValueError as error:
            return (str(error), sorted(ran[k]))

    results = _in_threads(call, 6)
    for k, result in enumerate(results):
        if k % 2:
            message, seen = result
            assert message == f"caller {k} failed"
            assert sorted(ran[k]) == seen  # no slice of the failed call ran after it returned
        else:
            assert result == [s.start for s in SLICES]


def test_more_kernel_threads_start_more_workers(monkeypatch):
    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 5)
    names = batch_threads.run_slices(
        lambda s: threading.current_thread().name, batch_threads.batch_slices(5, 10**9)
    )
    assert len(names) == 5
    started = {t.name for t in threading.enumerate() if t.name.startswith("tensorgrad-kernel")}
    assert len(started) >= 4


def test_set_threads_rejects_nonsense():
    from tensorgrad.kernels.config import set_threads

    with pytest.raises(ValueError, match="set_threads: kernels must be a positive integer, got 0"):
        set_threads(kernels=0)
    with pytest.raises(ValueError, match="blas must be a positive integer, got 1.5"):
        set_threads(blas=1.5)


def test_set_num_threads_changes_the_batch_split():
    before = tg.get_num_threads()
    try:
        tg.set_num_threads(3)
        assert tg.get_num_threads() == 3
        assert tg.kernels.config.thread_policy()["kernels"] == 3
        assert batch_threads.batch_slices(9, batch_threads.MIN_WORK) == [
            slice(0, 3), slice(3, 6), slice(6, 9)
        ]  # fmt: skip
    finally:
        tg.set_num_threads(before)
