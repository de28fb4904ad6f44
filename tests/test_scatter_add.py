"""The CPU backend's scatter-add (the backward of every lookup by an index array): the row
kernel against plain loops, and the cases it leaves to ``numpy.add.at``."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.backends.cpu import CPU
from tensorgrad.kernels.scatter import scatter_add_rows


def loop_scatter_add(out, index, values):
    out = out.copy()
    for i, row in enumerate(index.reshape(-1)):
        out[row] += values.reshape((-1,) + out.shape[1:])[i]
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index_shape, trailing", [((7,), (3,)), ((2, 5), (2, 3)), ((4,), ())])
def test_scatter_add_by_rows_matches_plain_loops_with_repeats_and_negative_indices(
    dtype, index_shape, trailing
):
    rng = np.random.default_rng(0)
    out = rng.standard_normal((4,) + trailing).astype(dtype)
    index = rng.integers(-4, 4, index_shape)  # repeats and negatives
    values = rng.standard_normal(index_shape + trailing).astype(dtype)
    expected = loop_scatter_add(out, index, values)
    CPU.scatter_add(out, (index,), values)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_scatter_add_rows_kernel_refuses_an_index_out_of_range():
    out = np.zeros((3, 2))
    with pytest.raises(IndexError, match="out of range"):
        scatter_add_rows(out, np.array([0, 3]), np.ones((2, 2)))
    with pytest.raises(IndexError, match="out of range"):
        scatter_add_rows(out, np.array([-4]), np.ones((1, 2)))


def test_scatter_add_other_keys_go_through_numpy_add_at():
    rng = np.random.default_rng(1)
    out = np.zeros((3, 4))
    rows, cols = np.array([0, 2, 0]), np.array([1, 1, 1])
    values = rng.standard_normal(3)
    CPU.scatter_add(out, (rows, cols), values)  # two index arrays
    expected = np.zeros((3, 4))
    np.add.at(expected, (rows, cols), values)
    np.testing.assert_array_equal(out, expected)
    out = np.zeros((3, 4))
    CPU.scatter_add(out, (np.array([1, 1]),), np.ones(4))  # broadcast values
    np.testing.assert_array_equal(out[1], [2, 2, 2, 2])


def test_embedding_gradient_accumulates_repeated_rows():
    weight = tg.tensor(np.zeros((5, 3)), requires_grad=True)
    index = tg.tensor(np.array([[1, 4, 1], [0, 1, 4]]))
    tg.nn.functional.embedding(index, weight).sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy()[:, 0], [1, 3, 0, 0, 2])
