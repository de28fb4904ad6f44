"""The batch split: slices cover the batch, results come back in order, errors reach the caller."""

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
