"""GEMM blocks handed to the kernel threads without the GIL (``kernels.cblas``,
``kernels.gemm_handoff``, ``backends.cpu_matmul``): NumPy's own call, bit for bit, whoever
runs a block."""

import threading
import time

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.backends import batch_threads, cpu_matmul
from tensorgrad.kernels import cblas
from tensorgrad.kernels.gemm_handoff import (
    BIAS,
    DONE,
    POSTED,
    new_slots,
    serve_while_waiting,
    split_gemm,
)

# the hand-off exists only where NumPy's wheel bundles OpenBLAS with 64-bit ints (Linux, macOS
# and Windows wheels do); another NumPy build takes the Python slices, which the rest covers
needs_blas = pytest.mark.skipif(not cblas.GEMM, reason="NumPy's BLAS has no cblas_?gemm64_")


@pytest.fixture
def two_threads():
    before = tg.get_num_threads()
    tg.set_num_threads(2)
    yield
    tg.set_num_threads(before)


def _operands(rng, m, k, n, dtype, a_order, b_order):
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    a = a if a_order == "C" else np.asfortranarray(a)
    b = b if b_order == "C" else np.ascontiguousarray(b.T).T  # a transposed weight
    return a, b


def _python_path(monkeypatch, a, b):
    """cpu_matmul.matmul with the GIL-free hand-off switched off: Python slices."""
    with monkeypatch.context() as patch:
        patch.setattr(cpu_matmul, "_gemm_blocks", lambda *args: None)
        return cpu_matmul.matmul(a, b)


def test_layout_is_numpys_transpose_flag_and_leading_dimension():
    x = np.zeros((6, 10), np.float32)
    assert cblas.layout(x) == (cblas.NO_TRANS, 10)
    assert cblas.layout(x.T) == (cblas.TRANS, 10)
    assert cblas.layout(x[1:4, 2:7]) == (cblas.NO_TRANS, 10)
    assert cblas.layout(x[:, 2:7].T) == (cblas.TRANS, 10)
    assert cblas.layout(x[:, ::2])[0] == 0  # no unit stride: NumPy copies or loops
    assert cblas.layout(x[::-1])[0] == 0


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("a_order", ["C", "F"])
@pytest.mark.parametrize("b_order", ["C", "T"])
def test_a_kernel_call_gives_np_matmuls_bits(dtype, a_order, b_order):
    rng = np.random.default_rng(0)
    for m, k, n in [(3, 3, 3), (7, 5, 3), (33, 17, 65), (128, 300, 129)]:
        a, b = _operands(rng, m, k, n, dtype, a_order, b_order)
        for x, y in [(a, b), (a[1:], b[:, 1:]), (a[:, : k - 1], b[: k - 1])]:
            out = np.full((x.shape[0], y.shape[1]), np.nan, dtype)
            blocks = cpu_matmul._gemm_blocks(x, y, out, [slice(0, x.shape[0])], False)
            split_gemm(new_slots(1), 0, blocks[0])
            np.testing.assert_array_equal(out, np.matmul(x, y))


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_split_products_are_the_python_slices_bit_for_bit(two_threads, monkeypatch, dtype):
    rng = np.random.default_rng(1)
    for trial in range(24):
        m, k, n = (int(v) for v in rng.integers(2, 400, 3))
        a, b = _operands(rng, m, k, n, dtype, "CF"[trial % 2], "CT"[trial // 2 % 2])
        got = cpu_matmul.matmul(a, b)
        np.testing.assert_array_equal(got, _python_path(monkeypatch, a, b))
        np.testing.assert_allclose(got, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-3)


@needs_blas
def test_each_block_is_np_matmul_of_its_rows_or_columns(two_threads):
    rng = np.random.default_rng(2)
    weight = rng.standard_normal((512, 784)).astype(np.float32)
    x = rng.standard_normal((128, 784)).astype(np.float32)
    forward = cpu_matmul.matmul(x, weight.T)  # a linear layer's: split by columns
    np.testing.assert_array_equal(forward[:, :256], x @ weight[:256].T)
    np.testing.assert_array_equal(forward[:, 256:], x @ weight[256:].T)
    g = rng.standard_normal((128, 512)).astype(np.float32)
    input_grad = cpu_matmul.matmul(g, weight)  # split by rows
    np.testing.assert_array_equal(input_grad[:64], g[:64] @ weight)
    np.testing.assert_array_equal(input_grad[64:], g[64:] @ weight)


def test_what_blas_would_not_take_as_is_goes_the_python_way(two_threads):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((300, 200)).astype(np.float32)
    b = rng.standard_normal((200, 400)).astype(np.float32)
    out = np.empty((300, 400), np.float32)
    rows = batch_threads.batch_slices(300, 10**9)
    assert cpu_matmul._gemm_blocks(a, b[:, ::2], out[:, :200], rows, False) is None
    assert cpu_matmul._gemm_blocks(a.astype(np.int64), b, out, rows, False) is None
    assert cpu_matmul._gemm_blocks(a, b.astype(np.float64), out, rows, False) is None
    assert cpu_matmul._gemm_blocks(a[:, :1], b[:1], out, rows, False) is None  # k = 1
    assert cpu_matmul._gemm_blocks(a[:, :150], b, out, rows, False) is None  # k 150 vs 200
    with pytest.raises(ValueError):  # np.matmul's error
        cpu_matmul.matmul(a[:, :150], b)
    ints = cpu_matmul.matmul(a.astype(np.int64), b.astype(np.int64))
    np.testing.assert_array_equal(ints, a.astype(np.int64) @ b.astype(np.int64))
    by_rows = np.concatenate([a[s] @ b[:, ::2] for s in rows])  # each slice np.matmul's
    np.testing.assert_array_equal(cpu_matmul.matmul(a, b[:, ::2]), by_rows)


@needs_blas
def test_busy_slots_asleep_workers_or_no_blas_give_the_same_bits(two_threads, monkeypatch):
    rng = np.random.default_rng(4)
    a, b = _operands(rng, 256, 300, 320, np.float32, "C", "T")
    expected = _python_path(monkeypatch, a, b)
    with batch_threads._gemm_lock:  # another caller holds the slots
        np.testing.assert_array_equal(cpu_matmul.matmul(a, b), expected)
    time.sleep(0.05)  # the workers stop spinning and block
    np.testing.assert_array_equal(cpu_matmul.matmul(a, b), expected)
    monkeypatch.setattr(cblas, "GEMM", {})
    np.testing.assert_array_equal(cpu_matmul.matmul(a, b), expected)


@needs_blas
def test_several_python_threads_multiply_at_once(two_threads, monkeypatch):
    rng = np.random.default_rng(5)
    cases = [_operands(rng, 200 + 7 * i, 150, 300, np.float32, "C", "CT"[i % 2]) for i in range(6)]
    expected = [_python_path(monkeypatch, a, b) for a, b in cases]
    failures = []

    def work(i):
        for _ in range(20):
            if not np.array_equal(cpu_matmul.matmul(*cases[i]), expected[i]):
                failures.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@needs_blas
def test_a_waiting_worker_runs_a_posted_slot_then_gives_up():
    rng = np.random.default_rng(6)
    a, b = _operands(rng, 20, 30, 40, np.float64, "C", "C")
    out = np.zeros((20, 40))
    slots = new_slots(2)
    slots[1] = cpu_matmul._gemm_blocks(a, b, out, [slice(0, 20)], False)[0]
    slots[1, 0] = POSTED
    counter, spinning = np.zeros(1, np.int64), np.zeros(1, np.int64)
    assert not serve_while_waiting(counter, 0, 100_000, None, slots, spinning)
    assert slots[1, 0] == DONE and slots[0, 0] == 0 and spinning[0] == 0
    np.testing.assert_array_equal(out, a @ b)
    counter[0] = 1  # a Python slice handed: back to the caller at once
    assert serve_while_waiting(counter, 0, 50_000_000_000, None, slots, spinning)


@needs_blas
def test_a_product_into_a_given_view(two_threads, monkeypatch):
    rng = np.random.default_rng(7)
    state = rng.standard_normal((128, 256)).astype(np.float32)  # [h, c] rows, as the LSTM's
    w = rng.standard_normal((128, 512)).astype(np.float32)
    acts = np.full((3, 128, 512), np.nan, np.float32)
    row = acts[1]
    assert cpu_matmul.matmul(state[:, :128], w, out=row) is row
    np.testing.assert_array_equal(row, _python_path(monkeypatch, state[:, :128], w))
    assert np.isnan(acts[0]).all() and np.isnan(acts[2]).all()
    wide = np.full((128, 600), np.nan, np.float32)  # a strided target: the blocks write in it
    cpu_matmul.matmul(state[:, :128], w, out=wide[:, 50:562])
    np.testing.assert_array_equal(wide[:, 50:562], acts[1])
    assert np.isnan(wide[:, :50]).all() and np.isnan(wide[:, 562:]).all()


def test_the_matmul_op_and_the_recurrent_weight_gradients_take_the_split_products(
    two_threads, monkeypatch
):
    """``a @ b`` of Tensors and the recurrences' weight gradients (one product over all steps)
    run on the backend's GEMM: with two threads, the blocks' numbers."""
    from tensorgrad.backends.cpu import CPU
    from tensorgrad.ops import recurrent

    calls = []
    monkeypatch.setattr(
        CPU, "matmul", lambda a, b: calls.append(a.shape) or cpu_matmul.matmul(a, b)
    )
    rng = np.random.default_rng(7)
    a = rng.standard_normal((128, 300)).astype(np.float32)
    b = rng.standard_normal((300, 256)).astype(np.float32)
    x, w = tg.from_numpy(a), tg.from_numpy(b).requires_grad_(True)
    out = x @ w
    np.testing.assert_array_equal(out.detach().numpy()[:64], a[:64] @ b)
    np.testing.assert_array_equal(out.detach().numpy()[64:], a[64:] @ b)
    out.sum().backward()
    ones = np.ones((128, 256), np.float32)
    np.testing.assert_array_equal(w.grad.numpy()[:150], a.T[:150] @ ones)  # its row blocks
    np.testing.assert_array_equal(w.grad.numpy()[150:], a.T[150:] @ ones)
    assert calls == [(128, 300), (300, 128)]  # the forward, then a^T @ g
    d = rng.standard_normal((5, 64, 512)).astype(np.float32)
    h = rng.standard_normal((5, 64, 128)).astype(np.float32)
    with tg.no_grad():  # as the backward runs it (create_graph=False)
        summed = recurrent._summed_outer(d, h)
    np.testing.assert_allclose(summed, np.einsum("tna,tnb->ab", d, h), rtol=1e-4, atol=1e-3)
    assert calls[-1] == (512, 320)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_linear_layer_with_its_bias_added_by_the_blocks_gives_the_separate_passs_bits(
    threads,
):
    """``cpu_matmul.linear`` adds the bias to each block of a split product on its thread: each
    block's ``x @ w.T`` with the bias added after, for both dtypes, split by rows or columns
    or not split (a block's product is np.matmul's of its rows or columns: some BLAS kernels,
    OpenBLAS's Haswell ones, round a block otherwise than the whole product)."""
    rng = np.random.default_rng(threads)
    before = tg.get_num_threads()
    try:
        tg.set_num_threads(threads)
        for m, k, n in [(2, 2, 3), (37, 28, 512), (300, 64, 192), (3000, 128, 64), (700, 129, 96),
                        (128, 784, 512), (900, 1000, 40), (3, 5, 7000)]:  # fmt: skip
            for dtype in (np.float32, np.float64):
                x = (rng.standard_normal((m, k)) * 3).astype(dtype)
                w = rng.standard_normal((n, k)).astype(dtype)
                bias = (rng.standard_normal(n) * 10).astype(dtype)
                by_columns, slices = cpu_matmul._split(x, w.T)
                parts = [x @ w[s].T if by_columns else x[s] @ w.T for s in slices]
                want = np.concatenate(parts, 1 if by_columns else 0)
                want += bias
                np.testing.assert_array_equal(cpu_matmul.linear(x, w, bias), want)
    finally:
        tg.set_num_threads(before)


@needs_blas
def test_the_blocks_take_the_bias_and_fall_back_alike(two_threads, monkeypatch):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((400, 64)).astype(np.float32)
    w = rng.standard_normal((192, 64)).astype(np.float32)
    bias = rng.standard_normal(192).astype(np.float32)
    posted = []
    real = cpu_matmul.run_gemm_blocks
    monkeypatch.setattr(cpu_matmul, "run_gemm_blocks", lambda b: posted.append(b) or real(b))
    fused = cpu_matmul.linear(x, w, bias)
    assert posted and (posted[0][:, BIAS] == bias.ctypes.data).all()  # row blocks: all of it
    x2 = rng.standard_normal((64, 256)).astype(np.float32)
    w2 = rng.standard_normal((1024, 256)).astype(np.float32)
    bias2 = rng.standard_normal(1024).astype(np.float32)
    wide = cpu_matmul.linear(x2, w2, bias2)  # column blocks: each its half of the bias
    halves = bias2.ctypes.data + np.array([0, 512 * bias2.itemsize])
    assert posted[1][:, BIAS].tolist() == halves.tolist()
    monkeypatch.setattr(cpu_matmul, "run_gemm_blocks", lambda b: False)  # the slots taken
    np.testing.assert_array_equal(cpu_matmul.linear(x, w, bias), fused)
    np.testing.assert_array_equal(cpu_matmul.linear(x2, w2, bias2), wide)
