"""Issue 13's functions beyond the op table: PyTorch's semantics at the edges and clear errors
for bad input (wrong dims, indices out of range, shapes that do not fit)."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing import gradcheck, gradgradcheck

F = tg.nn.functional


def t64(values, requires_grad=False):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_erf_matches_math_erf_over_the_real_line_in_float64():
    x = np.linspace(-10, 10, 40001)
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(tg.erf(t64(x)).data, expected, rtol=0, atol=2e-15)


def test_erf_in_float32_is_accurate_to_float32_rounding_even_near_zero():
    x = np.concatenate([np.linspace(-6, 6, 20001), np.logspace(-30, -1, 50)]).astype(np.float32)
    expected = np.array([math.erf(float(v)) for v in x])
    out = tg.erf(tg.tensor(x))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, expected, rtol=5e-7, atol=5e-7)
    tiny = np.abs(x) < 1e-3
    np.testing.assert_allclose(out.data[tiny], expected[tiny], rtol=5e-7, atol=0)


def test_gelu_values_known_from_the_normal_cdf():
    x = t64([-1.0, 0.0, 1.0, 3.0])
    phi = np.array([0.15865525393145707, 0.5, 0.8413447460685429, 0.9986501019683699])
    np.testing.assert_allclose(F.gelu(x).data, x.data * phi, rtol=1e-12)
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(x, approximate="fast")


def test_softplus_is_finite_for_huge_inputs_and_linear_above_threshold():
    x = tg.tensor([-1000.0, 0.0, 15.0, 1000.0])
    out = F.softplus(x)
    assert np.all(np.isfinite(out.data))
    assert out.data[3] == 1000.0 and out.data[0] == 0.0
    np.testing.assert_allclose(out.data[1], math.log(2), rtol=1e-6)
    assert F.softplus(tg.tensor([3.0]), beta=2.0, threshold=5.0).item() == 3.0


def test_leaky_relu_and_elu_gradients_at_zero_follow_pytorch():
    x = t64([0.0], requires_grad=True)
    F.leaky_relu(x, 0.2).sum().backward()
    assert x.grad.item() == pytest.approx(0.2)  # x > 0 is false at 0: the negative slope
    x.grad = None
    F.elu(x, alpha=0.5).sum().backward()
    assert x.grad.item() == pytest.approx(0.5)  # alpha * exp(0)


def test_hardtanh_gradient_is_zero_at_the_limits_as_pytorch():
    x = t64([-1.0, 0.5, 1.0, 2.0], requires_grad=True)
    F.hardtanh(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0, 0.0])


def test_activations_refuse_inplace():
    with pytest.raises(NotImplementedError, match="inplace"):
        F.silu(tg.randn(3), inplace=True)


def test_norm_of_zero_vector_has_zero_gradient_and_p_choices():
    x = t64([0.0, 0.0], requires_grad=True)
    x.norm().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    y = t64([[3.0, -4.0], [1.0, 2.0]])
    assert y.norm().item() == pytest.approx(math.sqrt(30))
    np.testing.assert_allclose(y.norm(p=1, dim=1).data, [7.0, 3.0])
    np.testing.assert_allclose(y.norm(p=math.inf, dim=0, keepdim=True).data, [[3.0, 4.0]])
    assert y.norm(p=0).item() == 4.0
    with pytest.raises(ValueError, match="nuc"):
        y.norm(p="nuc")
    with pytest.raises(TypeError, match="floating"):
        tg.tensor([1, 2]).norm()


def test_einsum_forms_and_second_order():
    a, b = t64(np.random.rand(2, 3), True), t64(np.random.rand(3, 3), True)
    np.testing.assert_allclose(tg.einsum("ij,jk", a, b).data, a.data @ b.data)
    np.testing.assert_allclose(tg.einsum("ij,jk->ik", [a, b]).data, a.data @ b.data)
    np.testing.assert_allclose(tg.einsum("ii", b).data, np.trace(b.data))
    # a size-1 dim broadcasts against the same letter, as in PyTorch
    c = t64(np.random.rand(1, 3), True)
    np.testing.assert_allclose(tg.einsum("ij,ij->ij", a, c).data, a.data * c.data)
    assert tg.einsum("ij->j", tg.zeros(0, 3)).tolist() == [0.0, 0.0, 0.0]  # empty dims sum to 0
    assert gradcheck(lambda x, y: tg.einsum("ij,jj->i", x, y), [a, b])
    assert gradgradcheck(lambda x, y: tg.einsum("ij,jk->ik", x, y), [a, b])


@pytest.mark.parametrize(
    "equation, shapes, message",
    [
        ("ij,jk->ik", [(2, 3), (4, 5)], "subscript 'j' has size 4"),
        ("ij->ik", [(2, 3)], "appears in no operand"),
        ("ij,jk", [(2, 3)], "names 2 operands"),
        ("ijk->i", [(2, 3)], "do not fit"),
        ("i1->i", [(2, 3)], "invalid subscripts"),
        ("ij->ii", [(2, 2)], "repeat"),
    ],
)
def test_einsum_errors_name_the_problem(equation, shapes, message):
    with pytest.raises(ValueError, match=message):
        tg.einsum(equation, *[tg.randn(*s) for s in shapes])


def test_bmm_and_outer_check_their_shapes():
    with pytest.raises(ValueError, match="3-D"):
        tg.bmm(tg.randn(2, 3), tg.randn(2, 3, 4))
    with pytest.raises(ValueError, match="do not fit"):
        tg.bmm(tg.randn(2, 3, 4), tg.randn(3, 4, 5))
    with pytest.raises(ValueError, match="1-D"):
        tg.outer(tg.randn(2, 1), tg.randn(3))


def test_cumsum_casts_with_dtype_and_checks_dim():
    assert tg.cumsum(tg.tensor([1, 2, 3]), 0, dtype=tg.float64).dtype == np.float64
    with pytest.raises(IndexError, match="out of range"):
        tg.cumsum(tg.randn(2, 3), 2)


def test_gather_repeated_indices_accumulate_gradient():
    x = t64([[1.0, 2.0, 3.0]], requires_grad=True)
    out = tg.gather(x, 1, tg.tensor([[0, 0, 2]]))
    np.testing.assert_array_equal(out.data, [[1.0, 1.0, 3.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2.0, 0.0, 1.0]])


def test_gather_and_scatter_add_errors():
    x = tg.randn(2, 3)
    with pytest.raises(IndexError, match="index 3 is out of bounds"):
        tg.gather(x, 1, tg.tensor([[0, 3]]))
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        tg.gather(x, 1, tg.tensor([[-1]]))
    with pytest.raises(RuntimeError, match="index has 1 dims"):
        tg.gather(x, 1, tg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="larger than shape"):
        tg.gather(x, 1, tg.tensor([[0], [1], [0]]))
    with pytest.raises(TypeError, match="integer"):
        tg.gather(x, 1, tg.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match="larger than src"):
        tg.scatter_add(x, 0, tg.tensor([[0, 1]]), tg.randn(1, 1))


def test_scatter_add_accumulates_like_pytorch():
    out = tg.scatter_add(tg.zeros(3), 0, tg.tensor([0, 0, 2]), tg.tensor([1.0, 2.0, 5.0]))
    np.testing.assert_array_equal(out.data, [3.0, 0.0, 5.0])


def test_index_select_masked_fill_and_triangle_errors():
    x = tg.randn(2, 3)
    with pytest.raises(IndexError, match="out of bounds"):
        tg.index_select(x, 1, tg.tensor([3]))
    with pytest.raises(IndexError, match="1-D"):
        tg.index_select(x, 1, tg.tensor([[0]]))
    with pytest.raises(RuntimeError, match="does not broadcast"):
        x.masked_fill(tg.tensor([True, False]), 0.0)
    with pytest.raises(RuntimeError, match="does not broadcast"):
        x.masked_fill(tg.ones(4, 2, 3).bool(), 0.0)  # would grow the output
    with pytest.raises(TypeError, match="bool"):
        x.masked_fill(tg.tensor([1, 0, 1]), 0.0)
    with pytest.raises(RuntimeError, match="at least 2 dims"):
        tg.tril(tg.randn(3))
    filled = x.masked_fill(tg.tensor([True, False, True]), tg.tensor(-1.0))
    np.testing.assert_array_equal(filled.data[:, 0], [-1.0, -1.0])


def test_split_and_chunk_follow_pytorch_sizes():
    x = tg.arange(10).float()
    assert [p.shape[0] for p in x.split(4)] == [4, 4, 2]
    assert [p.shape[0] for p in x.split([1, 9])] == [1, 9]
    assert [p.shape[0] for p in x.chunk(4)] == [3, 3, 3, 1]
    assert [p.shape[0] for p in tg.arange(6).chunk(4)] == [2, 2, 2]  # fewer chunks, as PyTorch
    with pytest.raises(ValueError, match="add up"):
        x.split([3, 3])
    with pytest.raises(ValueError, match="positive"):
        x.chunk(0)


def test_repeat_roll_flip_edges():
    x = tg.tensor([[1.0, 2.0]])
    assert x.repeat(2, 1, 2).shape == (2, 1, 4)
    with pytest.raises(RuntimeError, match="fewer"):
        x.repeat(2)
    np.testing.assert_array_equal(tg.roll(tg.arange(5), 2).data, [3, 4, 0, 1, 2])
    with pytest.raises(RuntimeError, match="same length"):
        tg.roll(x, (1, 1), 0)
    np.testing.assert_array_equal(x.flip(-1).data, [[2.0, 1.0]])
    np.testing.assert_array_equal(x.flip(0, 1).data, tg.flip(x, [0, 1]).data)
    with pytest.raises(ValueError, match="twice"):
        x.flip(1, -1)


def test_topk_and_sort_indices_and_stability():
    x = tg.tensor([3.0, 1.0, 3.0, 2.0])
    values, indices = tg.sort(x)
    np.testing.assert_array_equal(values.data, [1.0, 2.0, 3.0, 3.0])
    np.testing.assert_array_equal(indices.data, [1, 3, 0, 2])
    _, indices = x.sort(descending=True)
    np.testing.assert_array_equal(indices.data, [0, 2, 3, 1])  # ties keep their order
    values, indices = x.topk(2, largest=False)
    np.testing.assert_array_equal(indices.data, [1, 3])
    assert indices.dtype == np.int64 and not indices.requires_grad
    with pytest.raises(RuntimeError, match="k \\(5\\) is out of range"):
        x.topk(5)


def test_integer_tensors_keep_their_dtype():
    x = tg.tensor([[1, 2], [3, 4]])
    assert x.tril().dtype == np.int64 and x.triu(1).tolist() == [[0, 2], [0, 0]]
    filled = x.masked_fill(tg.tensor([[False, True], [False, False]]), 1.5)
    assert filled.dtype == np.int64 and filled.tolist() == [[1, 1], [3, 4]]
    assert x.flip(0).dtype == np.int64 and x.roll(1, 1).tolist() == [[2, 1], [4, 3]]
    u = tg.tensor(np.array([3, 1, 2], dtype=np.uint8))
    assert u.sort(descending=True).values.tolist() == [3, 2, 1]


def test_one_hot():
    out = F.one_hot(tg.tensor([[0, 2]]), 4)
    assert out.dtype == np.int64 and out.shape == (1, 2, 4)
    np.testing.assert_array_equal(out.data, [[[1, 0, 0, 0], [0, 0, 1, 0]]])
    assert F.one_hot(tg.tensor([1, 3])).shape == (2, 4)
    with pytest.raises(RuntimeError, match="out of range"):
        F.one_hot(tg.tensor([4]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(tg.tensor([-1]), 3)


def test_new_methods_exist_on_tensor():
    x = tg.randn(2, 3)
    for name in ("sin", "cos", "erf", "cumsum", "norm", "gather", "scatter_add", "index_select",
                 "masked_fill", "tril", "triu", "split", "chunk", "unbind", "repeat", "flip",
                 "roll", "topk", "sort", "bmm", "outer"):  # fmt: skip
        assert callable(getattr(x, name)), name
