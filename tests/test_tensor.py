"""Tensor creation, attributes, dtype rules, operators and clear errors."""

import numpy as np
import pytest

import tensorgrad as tg


def test_python_data_gives_float32_and_int64_numpy_keeps_its_dtype():
    assert tg.tensor([1.0, 2.0]).dtype == np.float32
    assert tg.tensor(3.0).dtype == np.float32
    assert tg.tensor([1, 2]).dtype == np.int64
    assert tg.tensor(np.zeros(2)).dtype == np.float64
    assert tg.tensor([True]).dtype == np.bool_
    assert tg.tensor([1, 2], dtype=tg.float64).dtype == np.float64


def test_from_numpy_shares_memory_and_tensor_copies():
    a = np.zeros(3, dtype=np.float32)
    shared, copied = tg.from_numpy(a), tg.tensor(a)
    a[0] = 5
    assert shared.data[0] == 5 and copied.data[0] == 0


def test_factories():
    assert tg.zeros(2, 3).shape == (2, 3) and tg.zeros((2, 3)).dtype == np.float32
    assert tg.ones(2).tolist() == [1.0, 1.0]
    assert tg.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert tg.empty(4).shape == (4,)
    assert tg.arange(4).tolist() == [0, 1, 2, 3] and tg.arange(4).dtype == np.int64
    assert tg.arange(0, 1, 0.5).dtype == np.float32
    x = tg.randn(2, 2, dtype=tg.float64)
    assert tg.zeros_like(x).dtype == np.float64 and tg.ones_like(x).shape == (2, 2)
    with pytest.raises(ValueError, match="non-negative"):
        tg.zeros(-1)


def test_manual_seed_makes_draws_reproducible():
    tg.manual_seed(7)
    a, b = tg.rand(5), tg.randn(3)
    tg.manual_seed(7)
    np.testing.assert_array_equal(a.data, tg.rand(5).data)
    np.testing.assert_array_equal(b.data, tg.randn(3).data)
    assert a.dtype == np.float32 and (a.data >= 0).all() and (a.data < 1).all()


def test_attributes():
    x = tg.ones(2, 3, requires_grad=True)
    assert (x.shape, x.ndim, x.numel(), x.size(), x.size(1)) == ((2, 3), 2, 6, (2, 3), 3)
    assert x.is_leaf and x.grad_fn is None and x.grad is None
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name == "MulBackward"
    assert tg.tensor(2.5).item() == 2.5
    with pytest.raises(ValueError, match="one element"):
        x.item()
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    np.testing.assert_array_equal(x.detach().numpy(), np.ones((2, 3)))


def test_repr_shows_values_dtype_and_grad_fn():
    x = tg.tensor([1.0, 2.5], requires_grad=True)
    assert repr(x) == "tensor([1. , 2.5], dtype=float32, requires_grad=True)"
    assert "grad_fn=<AddBackward>" in repr(x + 1)
    assert repr(tg.tensor([1, 2])) == "tensor([1, 2], dtype=int64)"


def test_scalars_take_the_tensor_dtype_and_int_tensors_follow_pytorch():
    x64 = tg.tensor(np.ones(2))
    assert (x64 * 2.5).dtype == np.float64
    assert (2.5 - tg.ones(2)).dtype == np.float32
    assert (tg.arange(3) * 2).dtype == np.int64
    assert (tg.arange(3) * 0.5).dtype == np.float32
    assert (tg.arange(3) / 2).dtype == np.float32
    assert (2 ** tg.ones(2)).dtype == np.float32
    assert (tg.ones(2) ** 2).dtype == np.float32


def test_numpy_arrays_on_the_left_defer_to_the_tensor():
    y = np.ones(2, dtype=np.float32) * tg.tensor([1.0, 2.0], requires_grad=True)
    assert isinstance(y, tg.Tensor) and y.requires_grad


def test_comparisons_give_bool_tensors_without_grad():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = (x > 1.5) & (x != 3)
    assert mask.dtype == np.bool_ and not mask.requires_grad
    assert mask.tolist() == [False, True, False]
    assert (x == 2).tolist() == [False, True, False]
    assert len({x, x}) == 1  # hashable by identity although == is elementwise


def test_where_with_scalars_and_boolean_mask_indexing():
    x = tg.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = tg.where(x > 0, x, 0.0)
    assert y.tolist() == [0.0, 2.0, 0.0]
    x[x < 0].sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


def test_repeated_indices_accumulate():
    x = tg.zeros(3, requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_reductions_follow_pytorch():
    x = tg.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    assert x.sum().item() == 21 and x.sum(dim=(0, 1)).item() == 21
    assert x.mean(1, keepdim=True).shape == (2, 1)
    m = x.max(dim=1)
    assert m.values.tolist() == [5, 6] and m.indices.tolist() == [1, 2]
    assert x.min().item() == 1 and x.argmax().item() == 5 and x.argmin(1).tolist() == [0, 1]
    np.testing.assert_allclose(x.var().item(), np.var(x.data, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.std(1, correction=0).data, np.std(x.data, axis=1), rtol=1e-6)
    np.testing.assert_allclose(x.logsumexp(1).data, np.log(np.exp(x.data).sum(1)), rtol=1e-6)
    np.testing.assert_allclose(x.softmax(1).sum(1).data, [1, 1], rtol=1e-6)


def test_shape_functions():
    x = tg.arange(24).reshape(2, 3, 4)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert x.transpose(0, 2).shape == (4, 3, 2) and x.T.shape == (4, 3, 2)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.unsqueeze(-1).shape == (2, 3, 4, 1) and x.unsqueeze(0).squeeze(0).shape == (2, 3, 4)
    assert x[:, :1].expand(2, 5, 4).shape == (2, 5, 4)
    assert x.view(-1, 4).shape == (6, 4)
    assert tg.stack([x, x], 1).shape == (2, 2, 3, 4) and tg.cat([x, x], -1).shape == (2, 3, 8)
    assert tg.functions.pad(tg.ones(2, 2), (1, 2)).shape == (2, 5)
    assert x[..., None, 1].shape == (2, 3, 1)


def test_matmul_shapes_follow_torch():
    a, b = tg.ones(3), tg.ones(3, 4)
    assert (a @ a).shape == () and (a @ b).shape == (4,) and (b.T @ a).shape == (4,)
    assert (tg.ones(5, 2, 3) @ b).shape == (5, 2, 4)
    assert (tg.ones(2, 1, 2, 3) @ tg.ones(4, 3, 1)).shape == (2, 4, 2, 1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: tg.ones(2, 3) + tg.ones(4), r"add: .* shape \(2, 3\) and \(4,\)"),
        (lambda: tg.ones(2, 3) @ tg.ones(4, 2), r"matmul: shapes \(2, 3\) and \(4, 2\)"),
        (lambda: tg.cat([tg.ones(2, 3), tg.ones(3, 2)]), r"cat: shapes \[\(2, 3\), \(3, 2\)\]"),
        (lambda: tg.ones(2, 3).reshape(4), r"reshape: .* \(2, 3\)"),
        (lambda: tg.ones(2).sum(dim=3), r"sum: dim 3 is out of range"),
        (lambda: tg.ones(2, 3).expand(4, 3), r"expand: cannot expand shape \(2, 3\)"),
        (lambda: tg.ones(2).permute(1, 1), r"permute: \(1, 1\)"),
        (lambda: tg.ones(2)[5], r"index: .* \(2,\)"),
        (lambda: tg.functions.pad(tg.ones(2), (1, 1, 1, 1)), r"pad: \(1, 1, 1, 1\)"),
        (lambda: tg.tensor(["a"]), r"tensor\(\): cannot make a tensor from list"),
    ],
)
def test_bad_input_names_the_op_and_the_shapes(make, message):
    with pytest.raises((ValueError, IndexError, TypeError), match=message):
        make()
