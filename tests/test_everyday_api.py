"""The everyday API of PyTorch scripts (issue 17): each expected value is PyTorch's, from its
documentation or its stated rule; the differentiable ops also have op-table rows."""

import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing.device import TEST_DEVICE


def values(t):
    return t.detach().cpu().numpy().tolist()


# -- comparisons and tests of values ------------------------------------------------------------
@pytest.mark.parametrize(
    "name, expected",
    [("eq", [False, True, False]), ("ne", [True, False, True]), ("lt", [True, False, False]),
     ("le", [True, True, False]), ("gt", [False, False, True]), ("ge", [False, True, True])],
)  # fmt: skip
def test_comparisons_as_methods_and_functions(name, expected):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for out in (getattr(x, name)(2.0), getattr(tg, name)(x, tg.tensor([2.0]))):
        assert out.dtype == np.bool_ and not out.requires_grad
        assert values(out) == expected


def test_eq_counts_correct_predictions_as_the_mnist_example_does():
    pred = tg.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]).argmax(dim=1, keepdim=True)
    target = tg.tensor([1, 1, 1])
    assert pred.eq(target.view_as(pred)).sum().item() == 2


def test_isnan_isinf_isfinite():
    x = tg.tensor([1.0, math.nan, math.inf, -math.inf])
    assert values(x.isnan()) == [False, True, False, False]
    assert values(tg.isinf(x)) == [False, False, True, True]
    assert values(x.isfinite()) == [True, False, False, False]


def test_isclose_and_allclose_with_pytorchs_defaults():
    a = tg.tensor([1.0, 1e-9, math.nan])
    b = tg.tensor([1.0 + 1e-6, 0.0, math.nan])
    assert values(tg.isclose(a, b)) == [True, True, False]
    assert values(a.isclose(b, equal_nan=True)) == [True, True, True]
    assert values(a.isclose(b, rtol=0.0, atol=0.0, equal_nan=True)) == [False, False, True]
    assert tg.allclose(a[:2], b[:2]) is True
    assert a.allclose(b) is False


def test_all_and_any_with_dim_keepdim_and_axis():
    x = tg.tensor([[1, 0, 2], [3, 4, 5]])
    assert values(x.all()) is False and values(x.any()) is True
    assert values(x.all(1)) == [False, True]
    assert values(tg.any(x, dim=0, keepdim=True)) == [[True, True, True]]
    assert values(x.all(axis=0)) == [True, False, True]
    assert x.all(dim=(0, 1)).shape == ()
    with pytest.raises(TypeError, match="dim or its alias axis"):
        x.all(dim=0, axis=0)


def test_nonzero_and_as_tuple():
    x = tg.tensor([[0.0, 1.5], [2.0, 0.0], [0.0, 3.0]])
    assert values(x.nonzero()) == [[0, 1], [1, 0], [2, 1]]
    rows, cols = tg.nonzero(x, as_tuple=True)
    assert values(rows) == [0, 1, 2] and values(cols) == [1, 0, 1]
    assert x.nonzero().dtype == np.int64
    assert tg.tensor(5.0).nonzero().shape == (1, 0)
    assert tg.tensor(0.0).nonzero().shape == (0, 0)
    assert values(tg.tensor(5.0).nonzero(as_tuple=True)[0]) == [0]


# -- casts and shapes by example ----------------------------------------------------------------
def test_view_as_type_as_and_int():
    x = tg.arange(6)
    assert x.view_as(tg.zeros(2, 3)).shape == (2, 3)
    assert x.type_as(tg.zeros(1)).dtype == np.float32
    assert tg.tensor([1.7, -1.7]).int().dtype == np.int32
    assert values(tg.tensor([1.7, -1.7]).int()) == [1, -1]  # towards zero, as PyTorch


@pytest.mark.parametrize(
    "dtype, name",
    [(tg.float32, "FloatTensor"), (tg.float64, "DoubleTensor"), (tg.int64, "LongTensor"),
     (tg.int32, "IntTensor"), (tg.uint8, "ByteTensor"), (tg.bool_, "BoolTensor")],
)  # fmt: skip
def test_type_names_follow_pytorchs_with_tensorgrad_for_torch(dtype, name):
    x = tg.zeros(2, dtype=dtype)
    assert x.type() == f"tensorgrad.{name}"
    assert x.to(TEST_DEVICE).type() == f"tensorgrad.test.{name}"
    assert tg.zeros(2, dtype=tg.float16).type(f"torch.{name}").dtype == dtype


def test_type_with_a_dtype_casts():
    x = tg.tensor([1.5, 2.5], requires_grad=True)
    y = x.type(tg.float64)
    assert y.dtype == np.float64 and y.requires_grad
    assert x.type(tg.float32) is x
    with pytest.raises(ValueError, match="unknown tensor type"):
        x.type("torch.ComplexTensor")


def test_matmul_method():
    a, b = tg.ones(2, 3), tg.ones(3, 4)
    assert values(a.matmul(b)) == values(a @ b)


# -- rounding, division and remainders ----------------------------------------------------------
def test_round_is_half_to_even_and_takes_decimals():
    assert values(tg.tensor([0.5, 1.5, 2.5, -0.5]).round()) == [0.0, 2.0, 2.0, -0.0]
    assert values(tg.round(tg.tensor([1.2345, 12.5]), decimals=2)) == pytest.approx([1.23, 12.5])
    assert values(tg.round(tg.tensor([1234.0]), decimals=-2)) == [1200.0]


def test_integer_tensors_round_to_themselves():
    x = tg.tensor([3, -2])
    for name in ("round", "floor", "ceil", "trunc"):
        out = getattr(x, name)()
        assert out.dtype == np.int64 and values(out) == [3, -2]


def test_floor_ceil_trunc_sign_and_their_zero_gradients():
    x = tg.tensor([-1.5, -0.5, 0.0, 0.5, math.nan], requires_grad=True)
    assert values(x.floor())[:4] == [-2.0, -1.0, 0.0, 0.0]
    assert values(x.ceil())[:4] == [-1.0, -0.0, 0.0, 1.0]
    assert values(x.trunc())[:4] == [-1.0, -0.0, 0.0, 0.0]
    sign = x.sign()
    assert values(sign)[:4] == [-1.0, -1.0, 0.0, 1.0] and math.isnan(values(sign)[4])
    (x.floor() + x.ceil() + x.trunc() + x.round() + x.sign()).sum().backward()
    assert values(x.grad) == [0.0] * 5


def test_div_rounding_modes_on_pytorchs_example():
    a = tg.tensor([-0.3711, -1.9353, -0.4605, -0.2917])
    b = tg.tensor([0.8032, 0.2930, -0.8113, -0.2308])
    np.testing.assert_allclose(values(tg.div(a, b)), [-0.4620, -6.6051, 0.5676, 1.2639], atol=1e-4)
    assert values(tg.div(a, b, rounding_mode="trunc")) == [-0.0, -6.0, 0.0, 1.0]
    assert values(a.div(b, rounding_mode="floor")) == [-1.0, -7.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="rounding_mode"):
        tg.div(a, b, rounding_mode="round")


def test_integer_division_keeps_integers_and_the_sign_rules():
    a, b = tg.tensor([-7, 7, -7, 7]), tg.tensor([2, 2, -2, -2])
    assert values(a // b) == [-4, 3, 3, -4] and (a // b).dtype == np.int64  # Python's //
    assert values(tg.div(a, b, rounding_mode="trunc")) == [-3, 3, 3, -3]
    assert values(a / b) == [-3.5, 3.5, 3.5, -3.5] and (a / b).dtype == np.float32
    assert values(a % b) == [1, 1, -1, -1]  # the divisor's sign
    assert values(tg.fmod(a, b)) == [-1, 1, -1, 1]  # the dividend's sign
    assert values(7 // tg.tensor([-2])) == [-4] and values(7 % tg.tensor([-3])) == [-2]
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        a // tg.tensor([0])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        tg.remainder(a, 0)


def test_remainder_and_fmod_on_pytorchs_examples():
    x = tg.tensor([-3.0, -2, -1, 1, 2, 3])
    assert values(tg.fmod(x, 2)) == [-1.0, -0.0, -1.0, 1.0, 0.0, 1.0]
    assert values(tg.remainder(x, 2)) == [1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
    np.testing.assert_allclose(
        values(tg.remainder(tg.tensor([1, 2, 3, 4, 5]), -1.5)), [-0.5, -1.0, 0.0, -0.5, -1.0]
    )
    np.testing.assert_allclose(
        values(tg.fmod(tg.tensor([1, 2, 3, 4, 5]), -1.5)), [1.0, 0.5, 0.0, 1.0, 0.5]
    )
    assert values(5.5 % tg.tensor(2.0)) == 1.5


def test_remainder_gradients():
    a = tg.tensor([5.0, -5.0], requires_grad=True)
    b = tg.tensor([3.0, 3.0], requires_grad=True)
    (a % b).sum().backward()
    assert values(a.grad) == [1.0, 1.0] and values(b.grad) == [-1.0, 2.0]  # -floor(a / b)
    a.grad = b.grad = None
    tg.fmod(a, b).sum().backward()
    assert values(b.grad) == [-1.0, 1.0]  # -trunc(a / b)


def test_log2_log10_exp2():
    assert values(tg.log2(tg.tensor([8.0, 0.5]))) == [3.0, -1.0]
    assert values(tg.tensor([1000.0]).log10()) == pytest.approx([3.0])
    assert values(tg.exp2(tg.tensor([3, -1]))) == [8.0, 0.5]  # integers compute in float32
    assert tg.exp2(tg.tensor([3])).dtype == np.float32


# -- products and scans -------------------------------------------------------------------------
def test_prod_and_its_gradient_through_zeros():
    x = tg.tensor([[2.0, 0.0, 3.0], [2.0, 0.0, 0.0]], requires_grad=True)
    out = x.prod(1)
    assert values(out) == [0.0, 0.0]
    out.sum().backward()
    # the product of the other elements: one zero leaves its own gradient, two zeros none
    assert values(x.grad) == [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0]]
    assert values(tg.tensor([[1, 2], [3, 4]]).prod()) == 24
    assert tg.tensor([True, True]).prod().dtype == np.int64
    assert x.prod(dim=0, keepdim=True).shape == (1, 3) and x.prod(axis=1).shape == (2,)
    assert tg.prod(x, 1, dtype=tg.float64).dtype == np.float64


def test_cumprod_gradient_through_zeros():
    x = tg.tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    out = x.cumprod(0)
    assert values(out) == [2.0, 0.0, 0.0, 0.0]
    out.sum().backward()
    # d/dx_j sum_i prod_{k <= i} x_k = sum_{i >= j} prod_{k <= i, k != j} x_k
    assert values(x.grad) == [1.0, 2.0 + 6.0 + 24.0, 0.0, 0.0]
    with pytest.raises(TypeError, match="dim"):
        x.cumprod()


def test_cummax_and_cummin_indices_take_the_last_tie():
    x = tg.tensor([1.0, 3.0, 3.0, 2.0, 5.0])
    values_, indices = x.cummax(0)
    assert values(values_) == [1.0, 3.0, 3.0, 3.0, 5.0] and values(indices) == [0, 1, 2, 2, 4]
    low = tg.cummin(tg.tensor([2, 1, 1, 3]), dim=0)
    assert values(low.values) == [2, 1, 1, 1] and values(low.indices) == [0, 1, 2, 2]
    assert low.indices.dtype == np.int64


def test_cummax_propagates_nan_from_where_it_appears():
    out = tg.tensor([1.0, math.nan, 2.0, math.nan, 0.0]).cummax(0)
    assert values(out.values)[0] == 1.0 and all(math.isnan(v) for v in values(out.values)[1:])
    assert values(out.indices) == [0, 1, 1, 3, 3]


def test_cummax_gradient_goes_to_the_running_maximum():
    x = tg.tensor([[1.0, 3.0, 2.0, 4.0]], requires_grad=True)
    x.cummax(dim=1).values.sum().backward()
    assert values(x.grad) == [[1.0, 2.0, 0.0, 1.0]]


def test_logcumsumexp_neither_overflows_nor_underflows():
    x = tg.tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    out = x.logcumsumexp(0)
    np.testing.assert_allclose(values(out), [-1000.0, 0.0, 1000.0], rtol=1e-6)
    out.sum().backward()
    # sum_i exp(x_j - out_i): the first output alone gives x_0 a gradient of 1
    np.testing.assert_allclose(values(x.grad), [1.0, 1.0, 1.0], atol=1e-6)


def test_scans_of_a_0d_tensor():
    x = tg.tensor(3.0)
    assert x.cumprod(0).shape == () and values(x.cumprod(0)) == 3.0
    assert values(x.cummax(0).indices) == 0 and values(x.logcumsumexp(0)) == 3.0


# -- diagonals ----------------------------------------------------------------------------------
def test_diag_between_vectors_and_matrices():
    v = tg.tensor([1.0, 2.0])
    assert values(tg.diag(v)) == [[1.0, 0.0], [0.0, 2.0]]
    assert values(v.diag(1)) == [[0.0, 1.0, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]]
    m = tg.arange(12).reshape(3, 4)
    assert values(m.diag()) == [0, 5, 10] and values(m.diag(-1)) == [4, 9]
    assert m.diag(5).shape == (0,)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        tg.diag(tg.zeros(2, 2, 2))


def test_diagonal_puts_the_diagonal_last():
    x = tg.arange(24).reshape(2, 3, 4)
    out = x.diagonal(offset=1, dim1=1, dim2=2)
    assert out.shape == (2, 3) and values(out)[1] == [13, 18, 23]
    assert tg.diagonal(x, 0, 0, 2).shape == (3, 2)
    with pytest.raises(ValueError, match="two different dims"):
        x.diagonal(dim1=1, dim2=-2)


def test_diagonal_gradient_lands_on_the_diagonal():
    x = tg.zeros(2, 3, requires_grad=True)
    x.diagonal(1).sum().backward()
    assert values(x.grad) == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


# -- axis= as PyTorch's alias of dim= ------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["sum", "mean", "var", "std", "logsumexp", "argmax", "argmin", "prod", "all", "any"]
)
def test_axis_is_an_alias_of_dim(name):
    x = tg.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    for axis in (0, 1, -1):
        expected = getattr(tg, name)(x, dim=axis)
        assert values(getattr(tg, name)(x, axis=axis)) == values(expected)
        assert values(getattr(x, name)(axis=axis, keepdim=True)) == values(
            getattr(x, name)(dim=axis, keepdim=True)
        )
    with pytest.raises(TypeError, match="dim or its alias axis"):
        getattr(x, name)(0, axis=1)


def test_axis_alias_on_max_min_and_the_scans():
    x = tg.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    assert values(x.max(axis=1).values) == [5.0, 6.0] and values(tg.min(x, axis=0).indices) == [
        0,
        1,
        0,
    ]
    assert values(x.cumprod(axis=1)) == values(x.cumprod(1))
    assert values(tg.cummax(x, axis=0).values) == values(x.cummax(0).values)
    assert values(x.logcumsumexp(axis=1)) == values(x.logcumsumexp(1))


def test_the_functions_outside_the_graph_run_on_the_test_device():
    host = tg.tensor([[0.0, 1.5, math.nan], [2.0, -math.inf, 3.0]])
    x = host.to(TEST_DEVICE)
    calls = [
        lambda t: t.eq(1.5), lambda t: t.ge(tg.tensor(0.0)), lambda t: t.isnan(),
        lambda t: t.isinf(), lambda t: t.isfinite(), lambda t: t.isclose(t, equal_nan=True),
        lambda t: t.all(1), lambda t: t.any(axis=0), lambda t: t.nonzero(),
        lambda t: t.nonzero(as_tuple=True)[1], lambda t: t.isnan().int(), lambda t: t.sign(),
        lambda t: t.isfinite().long() // 2, lambda t: tg.fmod(t.isinf().long() + 3, 2),
    ]  # fmt: skip
    for call in calls:
        out = call(x)
        assert out.device == TEST_DEVICE
        np.testing.assert_array_equal(out.cpu().numpy(), call(host).numpy())
    assert x.allclose(x, equal_nan=True) is True


@pytest.mark.parametrize("name", ["cumprod", "logcumsumexp"])
def test_scan_gradients_on_arrays_match_the_recorded_formula(name):
    rng = np.random.default_rng(3)
    data = rng.standard_normal((3, 4, 6)) * rng.integers(0, 2, (3, 4, 6))  # zeros anywhere
    weights = tg.tensor(rng.standard_normal((3, 4, 6)))
    grads = []
    for create_graph in (False, True):
        x = tg.tensor(data, requires_grad=True)
        out = getattr(x, name)(1)
        (g,) = tg.autograd.grad((out * weights).sum(), x, create_graph=create_graph)
        grads.append(g.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-12)
