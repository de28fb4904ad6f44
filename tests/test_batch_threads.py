"""The batch split: slices cover the batch, results come back in order, errors reach the caller,
the hand-off without the GIL (announced kernels)."""

import time

import pytest

from tensorgrad.backends import batch_threads


def test_slices_cover_the_batch_once(monkeypatch):
    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 3)
    assert batch_threads.batch_slices(10, batch_threads.MIN_WORK) == [
        slice(0, 3), slice(3, 6), slice(6, 10)
    ]  # fmt: skip
    assert batch_threads.batch_slices(2, batch_threads.MIN_WORK) == [slice(0, 1), slice(1, 2)]
    assert batch_threads.batch_slices(10, batch_threads.MIN_WORK - 1) == [slice(0, 10)]


def test_results_in_slice_order_and_worker_errors_raised_in_the_caller():
    slices = [slice(0, 1), slice(1, 2), slice(2, 3)]
    assert batch_threads.run_slices(lambda s: s.start * 10, slices) == [0, 10, 20]

    def fails_on_the_last(s):
        if s.start == 2:
            raise ValueError("slice 2 failed")
        return s.start

    with pytest.raises(ValueError, match="slice 2 failed"):
        batch_threads.run_slices(fails_on_the_last, slices)
    # the workers survive an error
    assert batch_threads.run_slices(lambda s: s.stop, slices) == [1, 2, 3]


def test_matrix_products_split_into_row_blocks_match_one_product(rng, monkeypatch):
    # the CPU's GEMM on the kernel threads: 3 row blocks of different sizes, operands read
    # transposed in place (the linear layer's w.T and g.T), float32 and float64
    import numpy as np

    from tensorgrad.backends import cpu_matmul

    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 3)
    monkeypatch.setattr(batch_threads, "MIN_WORK", 0)
    for dtype in (np.float32, np.float64):
        a = rng.standard_normal((8, 5)).astype(dtype)
        b = rng.standard_normal((7, 5)).astype(dtype)
        got = cpu_matmul.matmul(a, b.T)
        assert got.dtype == dtype and got.flags.c_contiguous
        np.testing.assert_allclose(got, a.astype(np.float64) @ b.T, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(cpu_matmul.matmul(a.T, a), a.T @ a, rtol=1e-5, atol=1e-5)
    batched = rng.standard_normal((2, 3, 4))
    np.testing.assert_array_equal(cpu_matmul.matmul(batched, batched.mT), batched @ batched.mT)


def _spinning_worker(monkeypatch):
    """A worker spinning (not blocked) for a while: it has just run a slice (handed again
    until one is seen spinning: a worker woken from its lock may take a while to get there)."""
    monkeypatch.setattr(batch_threads, "SPIN_CYCLES", 20 * batch_threads.SPIN_CYCLES)
    deadline = time.monotonic() + 5
    while batch_threads._spinning[0] == 0 and time.monotonic() < deadline:
        batch_threads.run_slices(lambda s: s.start, [slice(0, 1), slice(1, 2)])
        time.sleep(0.001)
    assert batch_threads._spinning[0] > 0, "no kernel thread spinning after 5 s"


def test_an_announced_caller_runs_its_slice_once_a_worker_runs_its_kernel(monkeypatch):
    # the handshake: the worker takes the GIL while the caller waits without it, so the
    # worker's kernel has started (it bumped ENTERED) before the caller's own slice begins
    import numpy as np

    from tensorgrad.kernels.relu import relu

    x, out = np.ones(64, np.float32), np.empty(64, np.float32)
    zero, entered = np.float32(0), batch_threads.ENTERED
    monkeypatch.setattr(batch_threads, "HANDSHAKE_CYCLES", 10**12)  # no timeout here
    seen = {}

    def run(s):
        if s.start == 0:  # slices[0]: the caller's
            seen["at the caller's start"] = int(entered[0])
        else:
            relu(x, zero, s.start, s.stop, out, entered)
        return s.start

    relu(x, zero, 0, 64, out)  # compiled before the timing matters
    _spinning_worker(monkeypatch)
    before = int(entered[0])
    assert batch_threads.run_slices(run, [slice(0, 32), slice(32, 64)], announced=True) == [0, 32]
    assert seen["at the caller's start"] > before


def test_an_announced_slice_whose_kernel_never_announces_does_not_hang(monkeypatch):
    _spinning_worker(monkeypatch)
    slices = [slice(0, 1), slice(1, 2), slice(2, 3)]
    assert batch_threads.run_slices(lambda s: s.stop, slices, announced=True) == [1, 2, 3]


def _layers():
    """(name, the kernel call sites it runs on slices, a forward and backward to run)."""
    import numpy as np

    import tensorgrad as tg
    import tensorgrad.nn.functional as F

    rng = np.random.default_rng(0)

    def leaf(*shape):
        return tg.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)

    def conv(stride):
        return lambda: F.conv2d(leaf(4, 3, 9, 9), leaf(5, 3, 3, 3), stride=stride).sum().backward()

    def step(make, **hyper):
        p = leaf(64)
        p.grad = tg.tensor(rng.standard_normal(64).astype(np.float32))
        return lambda: make([p], **hyper).step()

    lstm = tg.nn.LSTM(3, 4)
    attention = tg.nn.MultiheadAttention(8, 2, batch_first=True)
    return [
        ("direct conv", 3, conv(1)),
        ("strided conv", 3, conv(2)),
        ("2x2 max pool", 2, lambda: F.max_pool2d(leaf(4, 3, 8, 8), 2).sum().backward()),
        ("3x3 max pool's backward", 1,
         lambda: F.max_pool2d(leaf(4, 3, 8, 8), 3, 1).sum().backward()),
        ("relu", 2, lambda: F.relu(leaf(4, 16)).sum().backward()),
        ("gelu", 2, lambda: F.gelu(leaf(4, 16)).sum().backward()),
        ("layer norm", 2, lambda: F.layer_norm(leaf(4, 16), (16,)).sum().backward()),
        ("batch norm", 4, lambda: (F.batch_norm(leaf(4, 3, 5, 5), None, None, training=True)
                                   * leaf(4, 3, 5, 5)).sum().backward()),
        ("attention", 2,
         lambda: attention(*[leaf(4, 16, 8)] * 3, need_weights=False)[0].sum().backward()),
        ("lstm", 2, lambda: lstm(leaf(6, 4, 3))[0].sum().backward()),
        ("sgd", 1, step(tg.optim.SGD, lr=0.1, momentum=0.9)),
        ("adam", 1, step(tg.optim.Adam)),
        ("adadelta", 1, step(tg.optim.Adadelta)),
    ]  # fmt: skip


@pytest.mark.parametrize("name", [case[0] for case in _layers()])
def test_every_kernel_split_across_threads_announces_each_slice(name, monkeypatch):
    # a kernel that does not bump ENTERED leaves its caller waiting until the timeout
    sites, run = next((sites, run) for n, sites, run in _layers() if n == name)
    monkeypatch.setattr(batch_threads, "MIN_WORK", 0)
    monkeypatch.setattr(batch_threads, "get_num_threads", lambda: 2)
    before = int(batch_threads.ENTERED[0])
    run()
    assert int(batch_threads.ENTERED[0]) - before >= 2 * sites
